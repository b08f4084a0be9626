"""The build configuration: one validated model with defaults, loadable from YAML or TOML.

Every field can also be set on the command line (``--set section.field=value`` or the named
flags of ``iqa-datagen build``). Secrets are never part of the config: the LLM key comes from
``OPENAI_API_KEY`` only.
"""

from __future__ import annotations

import json
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path
from typing import Any, Literal, Optional

import yaml
from pydantic import (BaseModel, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)

from iqa_datagen.secrecy import SECRET_NAME, check_url_has_no_secret


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    @model_validator(mode="before")
    @classmethod
    def _no_secret_fields(cls, data: Any) -> Any:
        """A key written into a config would be stored with the dataset: refuse it, pointing
        to the environment variable (the message never repeats the value)."""
        if isinstance(data, dict):
            for name in data:
                if name not in cls.model_fields and SECRET_NAME.search(str(name)):
                    raise ValueError(f"{name!r} looks like a credential; configs never hold "
                                     f"keys (they are stored with the dataset): set "
                                     f"OPENAI_API_KEY in the environment instead")
        return data


class ReferencesConfig(_Section):
    """Where reference images come from and how they are prepared."""

    folder: Optional[str] = None  # None → the built-in demo set (skimage.data)
    builtin_repeat: int = Field(1, ge=1)  # the demo set repeated (distinct samples each copy)
    short_side: Optional[int] = Field(224, ge=32)
    limit: Optional[int] = Field(None, ge=1)
    # Larger images are quarantined from their header, never decoded (decompression bombs).
    max_pixels: Optional[int] = Field(150_000_000, ge=1)  # = images.MAX_PIXELS


class TasksConfig(_Section):
    """How many samples of each task per reference image (both settings are always made)."""

    identification: int = Field(4, ge=0)
    assessment: int = Field(1, ge=0)
    instant_rating: int = Field(3, ge=0)
    # Where no MOS source is given: "library" pairs (one distortion at two levels, the lower
    # wins) or "assistant" pairs (two sampled distortions, the assistant model's verdict).
    rating_source: Literal["library", "assistant"] = "library"
    comparison: int = Field(1, ge=0)
    quality_scoring: int = Field(1, ge=0)
    score_scale: Literal["five", "seven"] = "five"  # level words of quality_scoring answers
    # Cut points between levels on the common 0-100 score scale (levels - 1 increasing
    # values); None: equal bins.
    score_cuts: Optional[list[float]] = None
    pristine_share: float = Field(0.05, ge=0, le=1)
    multi_share: float = Field(0.5, ge=0, le=1)
    distortions: Optional[list[str]] = None  # restrict to these names (plugins included)

    @model_validator(mode="after")
    def _cuts_fit_the_scale(self) -> "TasksConfig":
        if self.score_cuts is not None:
            from iqa_datagen.generators.mos.scale import check_cuts, scale_levels

            check_cuts(self.score_cuts, len(scale_levels(self.score_scale)))
        return self


class SplitConfig(_Section):
    """Split by reference image; optional out-of-distribution split (SPEC §2)."""

    test_fraction: float = Field(0.2, ge=0, lt=1)
    seed: Optional[int] = None  # defaults to the build seed
    ood: bool = False


class MosSource(_Section):
    kind: str  # a registered MOS kind (``generators.mos.mos_kinds()``, plugins included)
    root: str
    split: Optional[str] = None  # force every pair of this source into one split
    tie_margin: float = Field(0.0, ge=0)
    max_pairs_per_reference: Optional[int] = Field(None, ge=1)
    options: dict[str, Any] = Field(default_factory=dict)
    # How the source's scores were collected, where its adapter does not know (quality_scoring).
    protocol: Optional[Literal["single_stimulus", "double_stimulus", "2afc"]] = None
    raters: Optional[int] = Field(None, ge=1)

    @field_validator("kind")
    @classmethod
    def _registered_kind(cls, kind: str) -> str:
        from iqa_datagen.generators.mos import mos_kind

        mos_kind(kind)  # ValueError naming the registered kinds
        return kind


class LLMSection(_Section):
    """LLM use; the server and key come from OPENAI_BASE_URL / OPENAI_API_KEY."""

    # "on" writes detailed responses (and, with expansion.mode llm, QA pairs) with an LLM;
    # "off" uses the offline writers. Only the config or a flag turns it on: a key in the
    # environment alone never makes a free build into paid calls.
    mode: Literal["on", "off"] = "off"
    # When the server cannot serve the build: "fail" stops with the cause (finished shards
    # kept), "offline" writes those samples with the offline writer, "skip" leaves them out.
    on_failure: Literal["fail", "offline", "skip"] = "fail"
    model: str = "gpt-4o"
    temperature: float = Field(0.7, ge=0, le=2)
    max_tokens: int = Field(400, ge=16)
    concurrency: int = Field(8, ge=1)  # in flight per process, shared by its shard tasks
    timeout: float = Field(60.0, gt=0)
    max_retries: int = Field(5, ge=0)
    max_attempts: int = Field(3, ge=1)
    request_deadline: float = Field(180.0, gt=0)  # seconds per request, retries included
    breaker_failures: int = Field(5, ge=1)  # connection errors/timeouts in a row: stop
    batch: bool = False  # OpenAI Batch API instead of live calls (half price, hours of latency)
    batch_wait: Optional[float] = Field(None, ge=0)  # stop polling after this; a rerun collects
    batch_poll_interval: float = Field(30.0, gt=0)
    price_prompt_per_1k: float = Field(0.0025, ge=0)  # USD, for the cost estimate only
    price_completion_per_1k: float = Field(0.01, ge=0)
    base_url: Optional[str] = None  # overrides OPENAI_BASE_URL; never a key

    @field_validator("mode", mode="before")
    @classmethod
    def _mode_words(cls, v):
        """YAML reads an unquoted ``on``/``off`` as a boolean; older configs said ``auto``,
        which now reads as ``off`` (a key in the environment no longer turns the LLM on)."""
        if isinstance(v, bool):
            return "on" if v else "off"
        return "off" if v == "auto" else v

    @field_validator("base_url")
    @classmethod
    def _no_key_in_url(cls, v):
        if v:
            check_url_has_no_secret(v)
        return v


def _writer(registry: str, special: str):
    """A validator: the value is ``special`` or a writer registered in
    ``generators.writers.<registry>`` (ValueError naming the registered ones)."""

    def check(cls, name: str) -> str:
        from iqa_datagen.generators import writers

        if name != special:
            getattr(writers, registry).get(name)
        return name

    return classmethod(check)


class DetailedConfig(_Section):
    """Who writes assessment and comparison reasoning."""

    # "auto": the LLM when it is enabled (llm.mode), else "offline"; or any registered writer
    # (generators.writers.DETAILED_WRITERS: "llm", "offline", plugins).
    writer: str = "auto"
    _registered = field_validator("writer")(_writer("DETAILED_WRITERS", "auto"))


class ExpansionConfig(_Section):
    # "gt" (from the ground truth), "llm" (gt when the LLM is off), "off", or any registered
    # expansion writer (generators.writers.EXPANSION_WRITERS).
    mode: str = "gt"
    k: int = Field(3, ge=1, le=10)
    _registered = field_validator("mode")(_writer("EXPANSION_WRITERS", "off"))


class AssistantSection(_Section):
    enabled: bool = True
    checkpoint: Optional[str] = None  # a trained model to use; else trained during the build
    epochs: int = Field(4, ge=1)
    pairs_per_reference: int = Field(24, ge=2)  # same-distortion level pairs per reference
    cross_pairs_per_reference: int = Field(24, ge=0)  # panel-labelled cross-distortion pairs
    no_reference: bool = True  # also train the no-reference model (assistant/no_reference/)
    confidence_threshold: float = Field(0.0, ge=0, le=1)  # less sure verdicts: pair dropped
    device: Literal["auto", "cpu", "cuda"] = "auto"


class OutputConfig(_Section):
    rows_per_file: int = Field(2000, ge=1)
    row_group_size: int = Field(128, ge=1)


class RunConfig(_Section):
    shard_size: int = Field(100, ge=1)  # references per task run
    executor: Literal["local", "dask"] = "local"
    workers: Optional[int] = Field(None, ge=1)  # local threads; None → min(4, CPU count)
    dask_address: Optional[str] = None  # None with executor=dask → a local cluster
    dask_workers: int = Field(2, ge=1)
    max_task_retries: int = Field(2, ge=0)


# How the LLM stage behaves when the server fails: a rerun may change them without making
# another dataset (a resumed build after an outage may switch to on_failure=offline).
RUN_ONLY_LLM_FIELDS = ("on_failure", "request_deadline", "breaker_failures")


class BuildConfig(_Section):
    """Everything a dataset build needs; the same config and seed give the same dataset."""

    seed: int = 0
    name: str = "iqa-datagen-demo"
    plugins: list[str] = Field(default_factory=list)
    references: ReferencesConfig = Field(default_factory=ReferencesConfig)
    tasks: TasksConfig = Field(default_factory=TasksConfig)
    split: SplitConfig = Field(default_factory=SplitConfig)
    mos: list[MosSource] = Field(default_factory=list)
    llm: LLMSection = Field(default_factory=LLMSection)
    detailed: DetailedConfig = Field(default_factory=DetailedConfig)
    expansion: ExpansionConfig = Field(default_factory=ExpansionConfig)
    assistant: AssistantSection = Field(default_factory=AssistantSection)
    output: OutputConfig = Field(default_factory=OutputConfig)
    run: RunConfig = Field(default_factory=RunConfig)

    @property
    def split_seed(self) -> int:
        return self.seed if self.split.seed is None else self.split.seed

    def content_dict(self) -> dict:
        """The fields that decide the dataset's content (run/executor settings excluded)."""
        data = self.model_dump(mode="json")
        data.pop("run", None)
        for name in RUN_ONLY_LLM_FIELDS:
            data["llm"].pop(name, None)
        return data


class ConfigError(ValueError):
    """The config file or an override is invalid; the message names the source."""


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> BuildConfig:
    """Read YAML/TOML/JSON (or nothing → defaults), apply dotted overrides, validate."""
    data: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        path = Path(path)
        source = str(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read config ({exc.strerror or exc})") from None
        try:
            if path.suffix == ".toml":
                data = tomllib.loads(text)
            elif path.suffix == ".json":
                data = json.loads(text)
            else:
                data = yaml.safe_load(text) or {}
        except Exception as exc:
            raise ConfigError(f"{path}: not valid {path.suffix.lstrip('.') or 'YAML'}: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: the top level must be a mapping")
    for dotted, value in (overrides or {}).items():
        _set_dotted(data, dotted, value)
    try:
        return BuildConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: invalid config:\n{describe_errors(exc)}") from None


def describe_errors(exc: ValidationError) -> str:
    """One line per error, naming the field; the offending value is shown only when it is a
    plain value of a field whose name does not look like a credential."""
    lines = []
    for err in exc.errors():
        where = ".".join(map(str, err["loc"])) or "config"
        value = err.get("input")
        shown = ""
        if isinstance(value, (str, int, float, bool)) and not SECRET_NAME.search(where) \
                and not (isinstance(value, str) and "://" in value):
            shown = f" (got {value!r})"
        lines.append(f"  {where}: {err['msg']}{shown}")
    return "\n".join(lines)


def parse_override(text: str) -> tuple[str, Any]:
    """``a.b=value`` → ("a.b", value parsed as YAML scalar/list)."""
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected section.field=value")
    key, raw = text.split("=", 1)
    return key.strip(), yaml.safe_load(raw)


def _set_dotted(data: dict, dotted: str, value: Any) -> None:
    node = data
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"override {dotted!r}: {part!r} is not a section")
    node[parts[-1]] = value


def dump_config(config: BuildConfig, path: str | Path) -> None:
    """Write a config as YAML (what ``iqa-datagen build --write-config`` produces)."""
    Path(path).write_text(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False))
