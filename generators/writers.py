"""The response writers a build can use, by name: an open registry like the distortions'.

A writer factory takes a ``WriterContext`` (the build config, the LLM cache folder, the build
registry's category names, how many shard tasks share the process) and returns a generator
implementing ``DetailedGenerator`` or ``ExpansionGenerator`` (``generators.base``). Built-ins:
detailed ``llm`` and ``offline``; expansion ``llm`` and ``gt``. A plugin adds its own with
``DETAILED_WRITERS.register`` / ``EXPANSION_WRITERS.register`` or the entry-point groups
``iqa_datagen.detailed_writers`` / ``iqa_datagen.expansion_writers``, and a config picks it
with ``detailed.writer`` / ``expansion.mode``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from iqa_datagen.distortions.registry import CategoryNames
from iqa_datagen.registries import NamedRegistry


@dataclass(frozen=True)
class WriterContext:
    """What a writer factory gets from the build."""

    config: Any  # BuildConfig
    cache_dir: Path
    names: CategoryNames
    tasks_at_once: int = 1

    def llm_config(self):
        """The LLM client settings of this build (key and server from the environment)."""
        from iqa_datagen.generators.llm import LLMConfig

        # The build's llm section holds LLMConfig's own fields (the key aside, which only the
        # environment gives); base_url is left out when unset so OPENAI_BASE_URL applies.
        overrides = self.config.llm.model_dump(exclude={"mode"}, exclude_none=True)
        overrides.update(concurrency=concurrency_share(self.config, self.tasks_at_once),
                         cache_dir=str(self.cache_dir))
        return LLMConfig.from_env(**overrides)


def concurrency_share(config, tasks_at_once: int) -> int:
    """Requests in flight per shard task, so that ``tasks_at_once`` tasks sharing one machine
    stay within ``llm.concurrency`` together (the server's rate limit is per key, not per task)."""
    return max(1, -(-config.llm.concurrency // max(1, tasks_at_once)))


WriterFactory = Callable[[WriterContext], Any]
DETAILED_WRITERS: NamedRegistry[WriterFactory] = NamedRegistry(
    "detailed writer", "iqa_datagen.detailed_writers")
EXPANSION_WRITERS: NamedRegistry[WriterFactory] = NamedRegistry(
    "expansion writer", "iqa_datagen.expansion_writers")


def _llm_detailed(ctx: WriterContext):
    from iqa_datagen.generators.llm import LLMDetailedGenerator

    return LLMDetailedGenerator(ctx.llm_config(), ctx.names)


def _offline_detailed(ctx: WriterContext):
    from iqa_datagen.generators.offline import OfflineDetailedGenerator

    return OfflineDetailedGenerator(ctx.names)


def _llm_expansion(ctx: WriterContext):
    from iqa_datagen.generators.llm import LLMExpansionGenerator

    return LLMExpansionGenerator(ctx.llm_config(), ctx.names)


def _gt_expansion(ctx: WriterContext):
    from iqa_datagen.generators.expansion_gt import GTExpansionGenerator

    return GTExpansionGenerator(ctx.names)


DETAILED_WRITERS.register("llm", _llm_detailed)
DETAILED_WRITERS.register("offline", _offline_detailed)
EXPANSION_WRITERS.register("llm", _llm_expansion)
EXPANSION_WRITERS.register("gt", _gt_expansion)
