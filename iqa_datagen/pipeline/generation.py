"""Choosing the response writers for a build (``generators.writers``): by name from the config;
the LLM only when the config or a flag asks for it (``llm.mode: on``), else the offline writers."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from iqa_datagen.config import BuildConfig
from iqa_datagen.distortions.registry import CategoryNames
from iqa_datagen.generators.writers import DETAILED_WRITERS, EXPANSION_WRITERS, WriterContext


def llm_enabled(config: BuildConfig) -> bool:
    """True only when the config (or a flag) says ``llm.mode: on``: a key in the environment
    alone never turns a free build into paid calls."""
    return config.llm.mode == "on"


def detailed_writer(config: BuildConfig) -> str:
    """The detailed writer's name; ``auto``: the LLM when it is enabled, else ``offline``."""
    name = config.detailed.writer
    if name == "auto":
        name = "llm" if llm_enabled(config) else "offline"
    return name


def expansion_writer(config: BuildConfig) -> Optional[str]:
    """The expansion writer's name (``llm`` falls back to ``gt`` when the LLM is not enabled),
    or None when expansion is ``off``."""
    name = config.expansion.mode
    if name == "off":
        return None
    return "gt" if name == "llm" and not llm_enabled(config) else name


def llm_detailed(config: BuildConfig) -> bool:
    return detailed_writer(config) == "llm"


def llm_expansion(config: BuildConfig) -> bool:
    return expansion_writer(config) == "llm"


def uses_llm(config: BuildConfig) -> bool:
    """Whether a build of ``config`` sends requests to an LLM server."""
    return llm_detailed(config) or llm_expansion(config)


def detailed_generator(config: BuildConfig, cache_dir: Path, names: CategoryNames,
                       tasks_at_once: int = 1):
    """The detailed-response writer ``detailed.writer`` names. ``names``: the build registry's
    category names."""
    return DETAILED_WRITERS.get(detailed_writer(config))(
        WriterContext(config, cache_dir, names, tasks_at_once))


def expansion_generator(config: BuildConfig, cache_dir: Path, names: CategoryNames,
                        tasks_at_once: int = 1) -> Optional[object]:
    """The question–answer expansion writer, or None when expansion is ``off``."""
    name = expansion_writer(config)
    if name is None:
        return None
    return EXPANSION_WRITERS.get(name)(WriterContext(config, cache_dir, names, tasks_at_once))


def two_stage_generator(config: BuildConfig, cache_dir: Path, names: CategoryNames,
                        tasks_at_once: int = 1) -> Optional[object]:
    """Writer of two-stage chains (None when ``tasks.two_stage`` is off): the LLM when the
    detailed responses come from it, else the offline writer."""
    if not config.two_stage:
        return None
    if llm_detailed(config):
        from iqa_datagen.generators.llm.two_stage import LLMTwoStageGenerator

        return LLMTwoStageGenerator(WriterContext(config, cache_dir, names,
                                                  tasks_at_once).llm_config(), names)
    from iqa_datagen.generators.two_stage import OfflineTwoStageGenerator

    return OfflineTwoStageGenerator(names)


def with_fallback(config: BuildConfig, generator, requests: list, method: str) -> list:
    """``generator``'s results for ``requests`` (``method``: "generate" for detailed
    responses, "expand" for QA expansion). With ``llm.on_failure: offline``, the samples it could
    not be asked for (results with an ``error``) are written by the offline writer instead
    (their provenance says so)."""
    results = getattr(generator, method)(requests)
    failed = [i for i, r in enumerate(results) if getattr(r, "error", None)]
    if not failed or config.llm.on_failure != "offline":
        return results
    registry, name = (DETAILED_WRITERS, "offline") if method == "generate" \
        else (EXPANSION_WRITERS, "gt")
    offline = registry.get(name)(WriterContext(config, Path("."), generator.names))
    redone = getattr(offline, method)([requests[i] for i in failed])
    results = list(results)
    for i, result in zip(failed, redone, strict=True):
        results[i] = result
    return results


def check_server(config: BuildConfig) -> None:
    """Ask the server's model list (free) before a build spends anything: a refused key or a
    server that is not there stops the build at once with the cause (``LLMUnavailable``),
    instead of after the assistant has trained. A server without ``/models`` passes."""
    import openai

    from iqa_datagen.generators.llm.transport import LLMUnavailable, describe_error, where

    if config.llm.batch:
        return
    llm = WriterContext(config, Path("."), None).llm_config()
    client = openai.OpenAI(api_key=llm.api_key.get_secret_value(), base_url=llm.base_url,
                           timeout=min(llm.timeout, 15.0), max_retries=1)
    try:
        client.models.list()
    except (openai.APIConnectionError, openai.AuthenticationError,
            openai.PermissionDeniedError) as exc:
        message = (f"{where(llm)} cannot serve the build: "
                   f"{describe_error(exc, llm.api_key.get_secret_value())}")
        if config.llm.on_failure == "fail":
            raise LLMUnavailable(message) from None
        import logging

        logging.getLogger(__name__).warning("%s; going on with llm.on_failure=%s", message,
                                            config.llm.on_failure)
    except openai.APIError:
        pass  # e.g. 404: the server has no model list; the requests themselves will tell
    finally:
        client.close()
