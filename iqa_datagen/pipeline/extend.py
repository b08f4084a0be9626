"""Extending a built dataset with newly added distortions.

Only the new samples are made: every reference of the build gets, for each task, samples drawn
from the new distortions alone (no pristine draws), with their detailed responses and QA
expansion, each kept with probability ``share`` (a seeded draw per sample). By default the share
gives each new distortion about as many samples as each existing one has: with k new
distortions next to N existing ones, (1 - pristine_share)·k/N, so the dataset stays balanced;
``share`` 1 makes every sample the build's task counts ask for. They are written as their own
parts (``ext-<tag>-NNNNN-<digest>``) next to the existing ones, whose files are never touched;
extending twice with the same distortions finds those parts done and adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from iqa_datagen.distortions.registry import build_registry
from iqa_datagen.config import BuildConfig, ConfigError
from iqa_datagen.pipeline.output import read_state, write_state
from iqa_datagen.pipeline.stored_config import load_build_config
from iqa_datagen.seeding import stable_id

EXT_PART_PREFIX = "ext-"


@dataclass(frozen=True)
class Extension:
    tag: str
    plugins: tuple[str, ...]
    names: tuple[str, ...]
    config: BuildConfig  # the build config restricted to the new distortions

    @property
    def key_prefix(self) -> str:
        return f"ext-{self.tag}:"

    @property
    def part_prefix(self) -> str:
        return f"{EXT_PART_PREFIX}{self.tag}-"

    def part(self, shard) -> str:
        """The shard's part name: changes with its references and with the share, so a rerun
        with another ``--share`` remakes the parts (and drops the old ones)."""
        digest = stable_id(shard.digest, self.config.tasks.sample_share, length=8)
        return f"{self.part_prefix}{shard.index:05d}-{digest}"


def plan_extension(dataset: Path | str, plugins: list[str], names: Optional[list[str]] = None,
                   share: Optional[float] = None) -> tuple[BuildConfig, Extension]:
    """The dataset's build config and the extension that adds what ``plugins`` bring (or only
    ``names`` of it) to ``share`` of the references (default: the balanced share, see module
    docstring). A plugin name that collides with an existing distortion is an error."""
    if share is not None and not 0 < share <= 1:
        raise ConfigError(f"extend --share {share}: must be in (0, 1]")
    base = load_build_config(dataset)
    state = read_state(dataset)
    before = set(state.get("catalogue") or build_registry(base.plugins).names())
    all_plugins = list(dict.fromkeys(base.plugins + list(plugins)))
    registry = build_registry(all_plugins)
    new = [n for n in registry.names() if n not in before]
    if names:
        unknown = [n for n in names if n not in registry]
        if unknown:
            raise ConfigError(f"extend --names: {unknown} are not in the catalogue "
                              f"(plugins: {list(plugins) or 'none'})")
        old = [n for n in names if n in before]
        if old:
            raise ConfigError(f"extend --names: {old} are already in {dataset}; only new "
                              f"distortions can be added")
        new = list(names)
    if not new:
        raise ConfigError(f"extend {dataset}: the plugins {list(plugins) or '(none given)'} add no "
                          f"distortion that the dataset lacks")
    tag = stable_id(*sorted(new), length=8)
    existing = len(base.tasks.distortions or before)
    if share is None:
        share = min(1.0, (1 - base.tasks.pristine_share) * len(new) / max(1, existing))
    data = base.model_dump(mode="json")
    data["plugins"] = all_plugins
    data["tasks"] = dict(data["tasks"], distortions=sorted(new), pristine_share=0.0,
                         sample_share=share)
    return base, Extension(tag, tuple(all_plugins), tuple(sorted(new)),
                           BuildConfig.model_validate(data))


def record_extension(dataset: Path | str, ext: Extension) -> None:
    """Remember the extension in the folder's state (so a later ``build`` accepts the larger
    catalogue, and the manifest lists it)."""
    state = read_state(dataset)
    extensions = [e for e in state.get("extensions", []) if e["tag"] != ext.tag]
    extensions.append({"tag": ext.tag, "plugins": list(ext.plugins), "names": list(ext.names)})
    state["extensions"] = extensions
    write_state(dataset, state)
