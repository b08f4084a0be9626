"""Choosing the response writers for a build: an LLM when the config asks for one, else offline."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from iqa_datagen.config import BuildConfig


def llm_enabled(config: BuildConfig) -> bool:
    """True only when the config (or a flag) says ``llm.mode: on``: a key in the environment
    alone never turns a free build into paid calls."""
    return config.llm.mode == "on"


def llm_expansion(config: BuildConfig) -> bool:
    return config.expansion.mode == "llm" and llm_enabled(config)


def concurrency_share(config: BuildConfig, tasks_at_once: int) -> int:
    """Requests in flight per shard task, so that ``tasks_at_once`` tasks sharing one machine
    stay within ``llm.concurrency`` together (the server's rate limit is per key, not per task)."""
    return max(1, -(-config.llm.concurrency // max(1, tasks_at_once)))


def llm_config(config: BuildConfig, cache_dir: Path, tasks_at_once: int = 1):
    from iqa_datagen.generators.llm import LLMConfig

    # The build's llm section holds LLMConfig's own fields (the key aside, which only the
    # environment gives); base_url is left out when unset so OPENAI_BASE_URL applies.
    overrides = config.llm.model_dump(exclude={"mode"}, exclude_none=True)
    overrides.update(concurrency=concurrency_share(config, tasks_at_once), cache_dir=str(cache_dir))
    return LLMConfig.from_env(**overrides)


def detailed_generator(config: BuildConfig, cache_dir: Path, tasks_at_once: int = 1):
    if llm_enabled(config):
        from iqa_datagen.generators.llm import LLMDetailedGenerator

        return LLMDetailedGenerator(llm_config(config, cache_dir, tasks_at_once))
    return offline_detailed_generator()


def offline_detailed_generator():
    from iqa_datagen.generators.offline import OfflineDetailedGenerator

    return OfflineDetailedGenerator()


def offline_expansion_generator():
    from iqa_datagen.generators.expansion_gt import GTExpansionGenerator

    return GTExpansionGenerator()


def expansion_generator(config: BuildConfig, cache_dir: Path,
                        tasks_at_once: int = 1) -> Optional[object]:
    mode = config.expansion.mode
    if mode == "off":
        return None
    if llm_expansion(config):
        from iqa_datagen.generators.llm import LLMExpansionGenerator

        return LLMExpansionGenerator(llm_config(config, cache_dir, tasks_at_once))
    return offline_expansion_generator()


def with_fallback(config: BuildConfig, requests: list, results: list, method: str) -> list:
    """With ``llm.on_failure: offline``, the samples the LLM could not be asked for (results
    with an ``error``) are written by the offline writer (their provenance says so); else
    ``results`` unchanged. ``method``: "generate" (detailed) or "expand" (QA expansion)."""
    failed = [i for i, r in enumerate(results) if getattr(r, "error", None)]
    if not failed or config.llm.on_failure != "offline":
        return results
    offline = offline_detailed_generator() if method == "generate" \
        else offline_expansion_generator()
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
    llm = llm_config(config, Path("."))
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
