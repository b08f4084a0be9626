"""``iqa-datagen build|resplit|extend``: the dataset flows from the command line.

Every field of the build config has a flag, generated from the config model
(``--tasks.identification 6``, ``--llm.model gpt-4o-mini``, ``--run.executor dask``), so the
flags can never drift from the config file format.
"""

from __future__ import annotations

import argparse
import json
import os
import types
import typing
from typing import Any

import yaml
from pydantic import BaseModel

from iqa_datagen.cli.orchestration import interruptible, prefect_api
from iqa_datagen.cli.output import emit, print_summary
from iqa_datagen.config import BuildConfig, ConfigError, dump_config, load_config, parse_override


def _scalar_fields(model: type[BaseModel], prefix: str = ""):
    """(dotted name, field info) of every field that a flag can set."""
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if _is_model(annotation):
            yield from _scalar_fields(annotation, f"{prefix}{name}.")
        elif typing.get_origin(annotation) is list and _is_model(typing.get_args(annotation)[0]):
            continue  # lists of structured items (MOS sources): config file only
        else:
            yield f"{prefix}{name}", info


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _parse_value(text: str) -> Any:
    return yaml.safe_load(text)


def _is_text(annotation: Any) -> bool:
    """A str or Literal-of-strings field (optional or not): its flag value stays a string, so
    ``--llm.mode on`` is "on", not YAML's True."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if annotation is str:
        return True
    if typing.get_origin(annotation) is typing.Literal:
        return all(isinstance(a, str) for a in args)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return len(args) == 1 and _is_text(args[0])
    return False


def _parse_text(text: str) -> Any:
    """A string flag's value as given; ``null`` or ``~`` clear an optional field."""
    return None if text in ("null", "~") else text


def _parser_for(annotation: Any):
    hint = str(annotation).replace("typing.", "")
    if "list[" in hint:
        return _parse_list
    return _parse_text if _is_text(annotation) else _parse_value


def _parse_list(text: str) -> list[Any]:
    """``a,b,c`` or a YAML list ``[a, b]``."""
    value = yaml.safe_load(text) if text.strip().startswith("[") else None
    return value if isinstance(value, list) else [x.strip() for x in text.split(",") if x.strip()]


FIELD_PARSERS = {dotted: _parser_for(info.annotation)
                 for dotted, info in _scalar_fields(BuildConfig)}


def add_config_flags(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("config fields (override the config file; see README)")
    for dotted, info in _scalar_fields(BuildConfig):
        kind = _kind(info.annotation)
        group.add_argument(f"--{dotted}", dest=f"cfg:{dotted}", metavar=kind,
                           type=FIELD_PARSERS[dotted], default=argparse.SUPPRESS,
                           help=_help(info))


def _kind(annotation: Any) -> str:
    """A short metavar for a field's type: INT, FLOAT, TEXT, BOOL, LIST or {a,b,c}."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]
    if typing.get_origin(annotation) is typing.Literal:
        return "{" + ",".join(map(str, typing.get_args(annotation))) + "}"
    if typing.get_origin(annotation) is list:
        return "LIST"
    return {int: "INT", float: "FLOAT", bool: "BOOL", str: "TEXT"}.get(annotation, "VALUE")


def _help(info) -> str:
    text = info.description or ""
    if info.is_required():
        return text
    default = info.get_default(call_default_factory=True)
    shown = "unset" if default is None else json.dumps(default)
    return f"{text} (default: {shown})".replace("%", "%%")


def config_from_args(args: argparse.Namespace) -> BuildConfig:
    overrides: dict[str, Any] = {}
    for item in args.set or []:
        key, value = parse_override(item)
        if key in FIELD_PARSERS:  # parsed as the field's own flag would be (strings stay so)
            value = FIELD_PARSERS[key](item.split("=", 1)[1].strip())
        overrides[key] = value
    for key, value in vars(args).items():
        if key.startswith("cfg:"):
            overrides[key[4:]] = value
    if getattr(args, "references", None):
        overrides["references.folder"] = args.references
    if getattr(args, "offline", False):
        overrides["llm.mode"] = "off"
    return load_config(args.config, overrides)


# -- build --------------------------------------------------------------------------------------

def cmd_build(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if args.write_config:
        dump_config(config, args.write_config)
        print(f"wrote {args.write_config}")
        return 0
    if args.dry_run:  # names only: no pixels, no Prefect, no file written
        from iqa_datagen.pipeline.plan import build_plan, describe

        plan = build_plan(config)
        emit(args, plan.to_dict(), lambda: print(describe(plan, config)))
        return 0
    from iqa_datagen.distortions.registry import build_registry
    from iqa_datagen.pipeline import run as steps
    from iqa_datagen.pipeline.output import check_output, expand_out

    out = expand_out(args.out)
    with folder_lock(out, "build"):
        # Everything that can be refused is refused here, before any server starts.
        seconds: dict = {}
        with steps.timed(seconds, "plan"):
            check_output(out, config, build_registry(config.plugins).names(), args.overwrite)
            build = steps.plan(config)  # references and MOS files read (names only)
        with interruptible("build"), prefect_api() as ready:
            # While the server boots: the LLM check and the assistant, which need no Prefect.
            prepared = steps.prepare(out, build)
            prepared["step_seconds"].update(seconds)
            from iqa_datagen.flows import build_dataset
            from iqa_datagen.storage import card  # noqa: F401 - the flow ends with the card

            ready()
            summary = build_dataset(out=out, config=config.model_dump(mode="json"),
                                    resume=not args.no_resume, overwrite=args.overwrite,
                                    progress=not args.no_progress, prepared=prepared)
    emit(args, summary, lambda: print_summary("build", summary))
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("build", help="build a dataset (built-in demo references by default)")
    p.add_argument("--out", default="dataset", help="output folder (default: ./dataset)")
    p.add_argument("--config", metavar="FILE", help="YAML/TOML/JSON build config")
    p.add_argument("--references", metavar="DIR", help="folder of reference images "
                   "(= --references.folder)")
    p.add_argument("--set", action="append", metavar="SECTION.FIELD=VALUE",
                   help="override a config field (repeatable)")
    p.add_argument("--offline", action="store_true",
                   help="never call an LLM (= --llm.mode off, the default)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan (records per task and setting, LLM requests, tokens, "
                        "cost) and exit without writing anything")
    p.add_argument("--no-resume", action="store_true",
                   help="redo every shard instead of keeping finished ones")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a dataset built with another config in --out")
    p.add_argument("--write-config", metavar="FILE",
                   help="write the resolved config (defaults + file + flags) and exit")
    _common(p)
    add_config_flags(p)
    p.set_defaults(handler=cmd_build)

    r = sub.add_parser("resplit", help="re-split a built dataset in place (no distortion, no LLM)")
    r.add_argument("dataset", help="dataset folder made by `build`")
    r.add_argument("--seed", type=int, help="new split seed")
    r.add_argument("--test-fraction", type=float, help="new share of references in test")
    r.add_argument("--ood", action=argparse.BooleanOptionalAction, default=None,
                   help="apply (or lift) the out-of-distribution rule of docs/sampling.md")
    _common(r)
    r.set_defaults(handler=cmd_resplit)

    e = sub.add_parser("extend", help="add newly added distortions to a built dataset")
    e.add_argument("dataset", help="dataset folder made by `build`")
    e.add_argument("--plugin", action="append", default=[], metavar="MODULE[:ATTR]",
                   help="module that defines the new distortions (repeatable); installed "
                        "entry-point plugins are found without it")
    e.add_argument("--names", help="comma-separated: add only these new distortions")
    e.add_argument("--share", type=float, metavar="FRACTION",
                   help="share of the samples the build's task counts ask for that are made "
                        "for the new distortions (default: each new distortion about as "
                        "frequent as an existing one; 1: all of them)")
    _common(e)
    e.set_defaults(handler=cmd_extend)
    _add_retry_parser(sub)


def _add_retry_parser(sub) -> None:
    r = sub.add_parser("retry-rejects", help="write again only the rejected responses of a "
                                             "dataset, as a new part (nothing else changes)")
    r.add_argument("dataset", help="dataset folder made by `build`")
    how = r.add_mutually_exclusive_group()
    how.add_argument("--model", help="ask this LLM model instead of the build's")
    how.add_argument("--offline", action="store_true", help="use the offline writer")
    r.add_argument("--seed", type=int, help="sampling seed of the new attempts (default: a new "
                                            "one per retry round)")
    r.add_argument("--json", action="store_true", help="print the summary as JSON (last line)")
    r.set_defaults(handler=cmd_retry_rejects)


def cmd_retry_rejects(args: argparse.Namespace) -> int:
    _require_dataset(args.dataset)
    from iqa_datagen.pipeline.retry import retry_rejects

    summary = retry_rejects(args.dataset, seed=args.seed, model=args.model,
                            offline=args.offline)

    def human() -> None:
        if summary["part"] is None:
            print(f"retry-rejects: {args.dataset} has no open rejects")
            return
        print(f"retry-rejects: {summary['retried']} rejected samples asked again -> part "
              f"{summary['part']}: {summary['fixed']} written, {summary['still_rejected']} "
              f"rejected again, {summary['missing']} missing, {len(summary['skipped'])} skipped")
        for item in summary["skipped"][:20]:
            print(f"  skipped {item['key']}: {item['reason']}")

    emit(args, summary, human)
    return 0


def folder_lock(folder: str, command: str):
    """The folder's exclusive lock (imported on use: storage pulls in pyarrow)."""
    from iqa_datagen.storage.lock import folder_lock as lock

    return lock(folder, command)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the summary as JSON (last line)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def cmd_resplit(args: argparse.Namespace) -> int:
    if args.seed is None and args.test_fraction is None and args.ood is None:
        raise ConfigError("resplit: give at least one of --seed, --test-fraction, --ood/--no-ood")
    _require_dataset(args.dataset)
    with folder_lock(args.dataset, "resplit"):
        from iqa_datagen.pipeline.stored_config import load_build_config, new_split_config

        # refused here, before any server starts: a stored config or new split that is not valid
        new_split_config(load_build_config(args.dataset), args.seed, args.test_fraction, args.ood)
        with interruptible("resplit"), prefect_api() as ready:
            from iqa_datagen.flows import regenerate_splits  # imported while the server boots,
            from iqa_datagen.storage import card  # noqa: F401 - as is the card the flow ends with

            ready()
            summary = regenerate_splits(args.dataset, seed=args.seed,
                                        test_fraction=args.test_fraction, ood=args.ood,
                                        progress=not args.no_progress)
    emit(args, summary, lambda: print_summary("resplit", summary))
    return 0


def cmd_extend(args: argparse.Namespace) -> int:
    _require_dataset(args.dataset)
    from iqa_datagen.distortions.registry import build_registry

    build_registry(args.plugin)  # a missing or broken plugin is refused before any server starts
    names = [n.strip() for n in args.names.split(",")] if args.names else None
    with folder_lock(args.dataset, "extend"):
        from iqa_datagen.pipeline.extend import plan_extension

        plan_extension(args.dataset, args.plugin, names, args.share)  # so is a plan that fails
        with interruptible("extend"), prefect_api() as ready:
            from iqa_datagen.flows import extend_catalogue  # imported while the server boots

            ready()
            summary = extend_catalogue(args.dataset, plugins=args.plugin, names=names,
                                       progress=not args.no_progress, share=args.share)
    emit(args, summary, lambda: print_summary("extend", summary))
    return 0


def _require_dataset(path: str) -> None:
    if not os.path.isfile(os.path.join(path, "manifest.json")):
        raise FileNotFoundError(f"{path}: not a dataset folder (no manifest.json); "
                                f"make one with `iqa-datagen build --out {path}`")
