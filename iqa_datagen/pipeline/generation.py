"""Choosing the response writers for a build: an LLM when a server is configured, else offline."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from iqa_datagen.config import BuildConfig


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
    from generators.llm import LLMConfig

    section = config.llm
    overrides = dict(model=section.model, temperature=section.temperature,
                     max_tokens=section.max_tokens,
                     concurrency=concurrency_share(config, tasks_at_once),
                     timeout=section.timeout, max_retries=section.max_retries,
                     max_attempts=section.max_attempts, batch=section.batch,
                     batch_wait=section.batch_wait,
                     batch_poll_interval=section.batch_poll_interval,
                     price_prompt_per_1k=section.price_prompt_per_1k,
                     price_completion_per_1k=section.price_completion_per_1k,
                     cache_dir=str(cache_dir))
    if section.base_url:
        overrides["base_url"] = section.base_url
    return LLMConfig.from_env(**overrides)


def detailed_generator(config: BuildConfig, cache_dir: Path, tasks_at_once: int = 1):
    if llm_enabled(config):
        from generators.llm import LLMDetailedGenerator

        return LLMDetailedGenerator(_llm_config(config, cache_dir, tasks_at_once))
    from generators.offline import OfflineDetailedGenerator

    return OfflineDetailedGenerator()


def expansion_generator(config: BuildConfig, cache_dir: Path,
                        tasks_at_once: int = 1) -> Optional[object]:
    mode = config.expansion.mode
    if mode == "off":
        return None
    if mode == "llm" and llm_enabled(config):
        from generators.llm import LLMExpansionGenerator

        return LLMExpansionGenerator(_llm_config(config, cache_dir, tasks_at_once))
    from generators.expansion_gt import GTExpansionGenerator

    return GTExpansionGenerator()
