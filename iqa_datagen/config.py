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
    # Field descriptions are the documentation of the config: `build --help` and
    # `build --write-config` show them.
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

    folder: Optional[str] = Field(
        None, description="folder of reference images (searched recursively); unset: the "
                          "built-in demo set")
    builtin_repeat: int = Field(
        1, ge=1, description="copies of the demo set (each copy a distinct variant)")
    short_side: Optional[int] = Field(
        224, ge=32, description="resize references so the short side is at most this (px)")
    limit: Optional[int] = Field(None, ge=1, description="use only the first N references")
    max_pixels: Optional[int] = Field(
        150_000_000, ge=1, description="larger images are quarantined from their header, "
                                       "never decoded (decompression bombs)")


class TasksConfig(_Section):
    """How many samples of each task per reference image (both settings are always made)."""

    identification: int = Field(4, ge=0, description="distortion identification samples")
    assessment: int = Field(1, ge=0, description="assessment reasoning samples")
    instant_rating: int = Field(3, ge=0, description="instant rating (which is better) pairs")
    rating_source: Literal["mix", "library", "assistant"] = Field(
        "mix", description="without MOS: library (one distortion at two levels, the lower "
                           "wins), assistant (two distortions, the model's verdict) or mix "
                           "(each pair drawn from both, see rating_cross_share)")
    rating_cross_share: float = Field(0.5, ge=0, le=1,
                                      description="with rating_source mix: share of instant-"
                                                  "rating pairs that are two distortions "
                                                  "judged by the assistant")
    comparison: int = Field(1, ge=0, description="comparison reasoning pairs")
    quality_scoring: int = Field(1, ge=0, description="quality scoring (level word) samples")
    score_scale: Literal["five", "seven"] = Field(
        "five", description="level words of quality scoring answers")
    score_cuts: Optional[list[float]] = Field(
        None, description="cut points between levels on the common 0-100 score scale "
                          "(levels - 1 increasing values); unset: equal bins")
    pristine_share: float = Field(0.05, ge=0, le=1,
                                  description="share of samples left undistorted")
    multi_share: float = Field(0.5, ge=0, le=1,
                               description="share of distorted samples with several distortions")
    distortions: Optional[list[str]] = Field(
        None, description="use only these distortions (plugins included)")
    sample_share: float = Field(
        1.0, gt=0, le=1, description="keep this share of the samples above (a seeded draw "
                                     "per sample); extend uses it to keep new distortions as "
                                     "frequent as existing ones")
    # Two-stage reasoning: each assessment / comparison sample also as a perception record
    # (images -> visible attributes, no verdict) and a text-only inference record (that
    # description -> the verdict). None: on for the built-in demo set, off for a folder.
    two_stage: Optional[bool] = Field(
        None, description="also write perception + inference record chains for assessment "
                          "and comparison samples (unset: on for the built-in images only)")

    @model_validator(mode="after")
    def _cuts_fit_the_scale(self) -> "TasksConfig":
        if self.score_cuts is not None:
            from iqa_datagen.generators.mos.scale import check_cuts, scale_levels

            check_cuts(self.score_cuts, len(scale_levels(self.score_scale)))
        return self


class SplitConfig(_Section):
    """Split by reference image; optional out-of-distribution split."""

    test_fraction: float = Field(0.2, ge=0, lt=1, description="share of references in test")
    seed: Optional[int] = Field(None, description="split seed; unset: the build seed")
    ood: bool = Field(False, description="hold some distortions out of training entirely")


class MosSource(_Section):
    """A human-rated (MOS) dataset, for instant-rating pairs and quality scoring."""

    kind: str = Field(description="a registered MOS kind: kadid10k, pipal, bapps, tid2013, "
                                  "livemd, csiq, csv, labeller or a plugin's")
    root: str = Field(description="its folder (or the CSV file)")
    split: Optional[str] = Field(None, description="force every pair of this source into one "
                                                   "split")
    tie_margin: float = Field(0.0, ge=0, description="pairs closer than this in score are "
                                                     "skipped")
    max_pairs_per_reference: Optional[int] = Field(None, ge=1,
                                                   description="cap on pairs per reference")
    options: dict[str, Any] = Field(default_factory=dict,
                                    description="extra options of the dataset's reader")
    protocol: Optional[Literal["single_stimulus", "double_stimulus", "2afc"]] = Field(
        None, description="how the scores were collected, where the reader does not know")
    raters: Optional[int] = Field(None, ge=1, description="raters per image, where the reader "
                                                          "does not know")
    rating_protocol: Optional[Literal["ACR", "DCR", "2AFC"]] = Field(
        None, description="the rating method by its usual name (records' context.rating), "
                          "where the reader does not know")
    scale: Optional[str] = Field(None, description="the source's score and range, e.g. "
                                                   "'MOS 1..5' (records' context.rating)")

    @field_validator("kind")
    @classmethod
    def _registered_kind(cls, kind: str) -> str:
        from iqa_datagen.generators.mos import mos_kind

        mos_kind(kind)  # ValueError naming the registered kinds
        return kind


class LLMSection(_Section):
    """LLM use; the server and key come from OPENAI_BASE_URL / OPENAI_API_KEY."""

    # Only the config or a flag turns the LLM on: a key in the environment alone never makes
    # a free build into paid calls.
    mode: Literal["on", "off"] = Field(
        "off", description="on: detailed responses (and, with expansion.mode llm, QA pairs) "
                           "by the LLM; off: the offline writers")
    on_failure: Literal["fail", "offline", "skip"] = Field(
        "fail", description="when the server cannot serve the build: fail (finished shards "
                            "kept), offline (those samples by the offline writer) or skip them")
    model: str = Field("gpt-4o", description="model name on the server")
    temperature: float = Field(0.7, ge=0, le=2, description="sampling temperature")
    max_tokens: int = Field(400, ge=16, description="longest reply, in tokens")
    concurrency: int = Field(8, ge=1, description="requests in flight per process, shared by "
                                                  "its shard tasks")
    timeout: float = Field(60.0, gt=0, description="seconds before a request is abandoned")
    max_retries: int = Field(5, ge=0, description="retries of a failed request (rate limits, "
                                                  "server errors)")
    max_attempts: int = Field(3, ge=1, description="tries for a reply that passes validation")
    samples_per_request: int = Field(1, ge=1, description="answers per detailed sample; over 1, "
                                                          "kept only when their conclusions "
                                                          "agree")
    request_deadline: float = Field(180.0, gt=0, description="seconds per request, retries "
                                                             "included")
    breaker_failures: int = Field(5, ge=1, description="connection errors or timeouts in a "
                                                        "row that stop the LLM stage")
    check_workers: Optional[int] = Field(None, ge=0, description="processes that check replies "
                                                                 "against the labels (unset: one "
                                                                 "per spare core, up to 4; 0: on "
                                                                 "the request loop)")
    batch: bool = Field(False, description="OpenAI Batch API instead of live calls (half price, "
                                           "hours of latency)")
    batch_wait: Optional[float] = Field(None, ge=0, description="stop polling batches after "
                                                                "this (s); a rerun collects")
    batch_poll_interval: float = Field(30.0, gt=0, description="seconds between batch polls")
    price_prompt_per_1k: float = Field(0.0025, ge=0, description="USD per 1K prompt tokens, "
                                                                 "for the cost estimate")
    price_completion_per_1k: float = Field(0.01, ge=0, description="USD per 1K completion "
                                                                   "tokens, for the estimate")
    base_url: Optional[str] = Field(None, description="overrides OPENAI_BASE_URL; never a key")

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

    writer: str = Field("auto", description="auto: the LLM when it is on, else offline; or a "
                                            "registered writer (llm, offline, plugins)")
    _registered = field_validator("writer")(_writer("DETAILED_WRITERS", "auto"))


class ViewingConfig(_Section):
    """The viewing conditions the labels assume, stated in every record's context. The defaults
    describe an ordinary office set-up; set them to what your raters or users actually have."""

    display: str = Field("sRGB desktop monitor, about 100 cd/m², image shown at native resolution",
                         description="the display the labels assume (stated in every record's context)")
    distance: str = Field("about 60 cm (arm's length)",
                          description="the viewing distance the labels assume")


class ExpansionConfig(_Section):
    """Question-answer expansion of detailed responses."""

    mode: str = Field("gt", description="gt: from the ground truth; llm: by the LLM (gt when "
                                        "it is off); off; or a registered expansion writer")
    k: int = Field(3, ge=1, le=10, description="questions per detailed response")
    _registered = field_validator("mode")(_writer("EXPANSION_WRITERS", "off"))


class AssistantSection(_Section):
    """The assistant comparison model that judges comparison pairs."""

    enabled: bool = Field(True, description="train and use the assistant model")
    checkpoint: Optional[str] = Field(None, description="a trained model to use; unset: "
                                                        "trained during the build")
    epochs: int = Field(3, ge=1, description="training epochs")
    pairs_per_reference: int = Field(8, ge=2, description="same-distortion level pairs per "
                                                           "reference")
    cross_pairs_per_reference: int = Field(24, ge=0, description="panel-labelled "
                                                                 "cross-distortion pairs per "
                                                                 "reference")
    cross_pool: int = Field(10, ge=2, description="sampled variants per reference the cross "
                                                  "pairs are drawn from")
    patience: int = Field(1, ge=1, description="stop after this many epochs without a better "
                                               "validation score")
    no_reference: bool = Field(True, description="also train the no-reference model "
                                                 "(assistant/no_reference/)")
    confidence_threshold: float = Field(0.6, ge=0, le=1,
                                        description="drop judged pairs whose verdict is less "
                                                    "confident than this (0.5-0.6 verdicts "
                                                    "are right about half the time)")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="where it runs")


class OutputConfig(_Section):
    """Parquet files of the dataset, and its card."""

    rows_per_file: int = Field(2000, ge=1, description="records per Parquet file")
    row_group_size: int = Field(128, ge=1, description="records per Parquet row group")
    license: str = Field("unknown", description="the card's license (a Hugging Face id such "
                                                "as cc-by-4.0); it follows your references'")


class RunConfig(_Section):
    """Where and how the shard tasks run (does not change the dataset)."""

    shard_size: int = Field(100, ge=1, description="references per task run")
    executor: Literal["local", "dask"] = Field("local", description="local threads or Dask")
    workers: Optional[int] = Field(None, ge=1, description="local threads; unset: min(4, CPUs)")
    dask_address: Optional[str] = Field(None, description="a Dask scheduler; unset with "
                                                          "executor=dask: a local cluster")
    dask_workers: int = Field(2, ge=1, description="processes of the local Dask cluster")
    max_task_retries: int = Field(2, ge=0, description="retries of a failed shard task")


# How the LLM stage behaves when the server fails: a rerun may change them without making
# another dataset (a resumed build after an outage may switch to on_failure=offline).
RUN_ONLY_LLM_FIELDS = ("on_failure", "request_deadline", "breaker_failures", "check_workers")


class BuildConfig(_Section):
    """Everything a dataset build needs; the same config and seed give the same dataset."""

    seed: int = Field(0, description="seed of every random draw")
    name: str = Field("iqa-datagen-demo", description="dataset name (card and manifest)")
    plugins: list[str] = Field(default_factory=list,
                               description="modules that add distortions")
    references: ReferencesConfig = Field(default_factory=ReferencesConfig)
    tasks: TasksConfig = Field(default_factory=TasksConfig)
    split: SplitConfig = Field(default_factory=SplitConfig)
    mos: list[MosSource] = Field(default_factory=list, description="MOS datasets for "
                                                                   "instant-rating pairs")
    viewing: ViewingConfig = Field(default_factory=ViewingConfig,
                                   description="viewing conditions stated in each record")
    llm: LLMSection = Field(default_factory=LLMSection)
    detailed: DetailedConfig = Field(default_factory=DetailedConfig)
    expansion: ExpansionConfig = Field(default_factory=ExpansionConfig)
    assistant: AssistantSection = Field(default_factory=AssistantSection)
    output: OutputConfig = Field(default_factory=OutputConfig)
    run: RunConfig = Field(default_factory=RunConfig)

    @property
    def two_stage(self) -> bool:
        """Whether two-stage records are made (``tasks.two_stage``, None: the demo only)."""
        if self.tasks.two_stage is not None:
            return self.tasks.two_stage
        return self.references.folder is None

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
        raise ConfigError(f"{source}: invalid config: {describe_errors(exc)}") from None


def describe_errors(exc: ValidationError) -> str:
    """Pydantic's errors on one line, ``field.path: message (got value)`` joined by ``;``; the
    offending value is shown only when it is a plain value of a field whose name does not look
    like a credential (and never for an unknown field, whose name says it)."""
    parts = []
    for err in exc.errors():
        where = ".".join(map(str, err["loc"])) or "config"
        value = err.get("input")
        shown = ""
        if isinstance(value, (str, int, float, bool)) and err["type"] != "extra_forbidden" \
                and not SECRET_NAME.search(where) \
                and not (isinstance(value, str) and "://" in value):
            shown = f" (got {value!r})"
        parts.append(f"{where}: {err['msg']}{shown}")
    return "; ".join(parts)


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
    """Write a config as YAML (what ``iqa-datagen build --write-config`` produces), each section
    and field with its description as a comment, so the file documents itself."""
    Path(path).write_text(config_yaml(config))


def config_yaml(model: BaseModel, indent: str = "") -> str:
    """``model`` as commented YAML: a field's description above it, sections nested."""
    lines = []
    doc = (type(model).__doc__ or "").strip().splitlines()
    if doc and not indent:
        lines.append(f"# {doc[0]}")
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            section_doc = (type(value).__doc__ or "").strip().splitlines()
            lines.append("")
            if section_doc:
                lines.append(f"{indent}# {section_doc[0]}")
            lines.append(f"{indent}{name}:")
            lines.append(config_yaml(value, indent + "  ").rstrip("\n"))
            continue
        if info.description:
            lines.append(f"{indent}# {info.description}")
        data = value.model_dump(mode="json") if isinstance(value, BaseModel) else (
            [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
            if isinstance(value, list) else value)
        text = yaml.safe_dump({name: data}, sort_keys=False, allow_unicode=True).rstrip()
        lines += [indent + line for line in text.splitlines()]
    return "\n".join(lines) + "\n"
