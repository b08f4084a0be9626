"""Choosing the response writers for a build: an LLM when a server is configured, else offline."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from iqa_datagen.config import BuildConfig
from iqa_datagen.distortions.registry import CategoryNames


def llm_enabled(config: BuildConfig) -> bool:
    """``auto`` uses the LLM when OPENAI_API_KEY is set (OPENAI_BASE_URL picks the server)."""
    if config.llm.mode == "off":
        return False
    if config.llm.mode == "on":
        return True
    return bool(os.environ.get("OPENAI_API_KEY"))


def concurrency_share(config: BuildConfig, tasks_at_once: int) -> int:
    """Requests in flight per shard task, so that ``tasks_at_once`` tasks sharing one machine
    stay within ``llm.concurrency`` together (the server's rate limit is per key, not per task)."""
    return max(1, -(-config.llm.concurrency // max(1, tasks_at_once)))


def _llm_config(config: BuildConfig, cache_dir: Path, tasks_at_once: int = 1):
    from iqa_datagen.generators.llm import LLMConfig

    # The build's llm section holds LLMConfig's own fields (the key aside, which only the
    # environment gives); base_url is left out when unset so OPENAI_BASE_URL applies.
    overrides = config.llm.model_dump(exclude={"mode"}, exclude_none=True)
    overrides.update(concurrency=concurrency_share(config, tasks_at_once), cache_dir=str(cache_dir))
    return LLMConfig.from_env(**overrides)


def detailed_generator(config: BuildConfig, cache_dir: Path, names: CategoryNames,
                       tasks_at_once: int = 1):
    """The detailed-response writer; ``names``: the build registry's category names."""
    if llm_enabled(config):
        from iqa_datagen.generators.llm import LLMDetailedGenerator

        return LLMDetailedGenerator(_llm_config(config, cache_dir, tasks_at_once), names)
    from iqa_datagen.generators.offline import OfflineDetailedGenerator

    return OfflineDetailedGenerator(names)


def expansion_generator(config: BuildConfig, cache_dir: Path, names: CategoryNames,
                        tasks_at_once: int = 1) -> Optional[object]:
    """The question–answer expansion writer, or None when ``expansion.mode`` is off."""
    mode = config.expansion.mode
    if mode == "off":
        return None
    if mode == "llm" and llm_enabled(config):
        from iqa_datagen.generators.llm import LLMExpansionGenerator

        return LLMExpansionGenerator(_llm_config(config, cache_dir, tasks_at_once), names)
    from iqa_datagen.generators.expansion_gt import GTExpansionGenerator

    return GTExpansionGenerator(names)
