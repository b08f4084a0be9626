"""Choosing the response writers for a build (``generators.writers``): by name from the config,
by default an LLM when a server is configured, else the offline writers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from iqa_datagen.config import BuildConfig
from iqa_datagen.distortions.registry import CategoryNames
from iqa_datagen.generators.writers import DETAILED_WRITERS, EXPANSION_WRITERS, WriterContext


def llm_enabled(config: BuildConfig) -> bool:
    """``auto`` uses the LLM when OPENAI_API_KEY is set (OPENAI_BASE_URL picks the server)."""
    if config.llm.mode == "off":
        return False
    if config.llm.mode == "on":
        return True
    return bool(os.environ.get("OPENAI_API_KEY"))


def detailed_generator(config: BuildConfig, cache_dir: Path, names: CategoryNames,
                       tasks_at_once: int = 1):
    """The detailed-response writer ``detailed.writer`` names; ``auto``: the LLM when it is
    enabled, else the offline writer. ``names``: the build registry's category names."""
    name = config.detailed.writer
    if name == "auto":
        name = "llm" if llm_enabled(config) else "offline"
    return DETAILED_WRITERS.get(name)(WriterContext(config, cache_dir, names, tasks_at_once))


def expansion_generator(config: BuildConfig, cache_dir: Path, names: CategoryNames,
                        tasks_at_once: int = 1) -> Optional[object]:
    """The question–answer expansion writer ``expansion.mode`` names (``llm`` falls back to
    ``gt`` when the LLM is not enabled), or None when it is ``off``."""
    name = config.expansion.mode
    if name == "off":
        return None
    if name == "llm" and not llm_enabled(config):
        name = "gt"
    return EXPANSION_WRITERS.get(name)(WriterContext(config, cache_dir, names, tasks_at_once))


def two_stage_generator(config: BuildConfig, cache_dir: Path, names: CategoryNames,
                        tasks_at_once: int = 1) -> Optional[object]:
    """Writer of two-stage chains (None when ``tasks.two_stage`` is off): the LLM when the
    detailed responses come from it, else the offline writer."""
    if not config.two_stage:
        return None
    writer = config.detailed.writer
    if writer == "llm" or (writer == "auto" and llm_enabled(config)):
        from iqa_datagen.generators.llm.two_stage import LLMTwoStageGenerator

        return LLMTwoStageGenerator(WriterContext(config, cache_dir, names,
                                                  tasks_at_once).llm_config(), names)
    from iqa_datagen.generators.two_stage import OfflineTwoStageGenerator

    return OfflineTwoStageGenerator(names)
