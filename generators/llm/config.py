"""Settings of the LLM layer: which OpenAI-compatible server, how hard to push it, where to cache.

The key lives in a ``SecretStr`` so it never shows in a repr, a log line or a dumped config; it
is read from ``OPENAI_API_KEY`` (the variable every OpenAI-compatible client honours), never from
a config file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from iqa_datagen.secrecy import check_url_has_no_secret, redact_url

ENV_BASE_URL = "OPENAI_BASE_URL"
ENV_API_KEY = "OPENAI_API_KEY"


class LLMConfigError(ValueError):
    """The LLM layer is misconfigured (the message never contains the key)."""


class LLMConfig(BaseModel):
    """Server, sampling, concurrency, retry, cache and batch settings of the LLM generators."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    base_url: Optional[str] = None  # None: the openai client's default (api.openai.com)
    api_key: SecretStr
    model: str = Field("gpt-4o", min_length=1)
    temperature: float = Field(0.7, ge=0, le=2)
    max_tokens: int = Field(400, ge=16)
    concurrency: int = Field(8, ge=1)  # requests in flight at once
    timeout: float = Field(60.0, gt=0)  # seconds per HTTP request
    max_retries: int = Field(5, ge=0)  # transport retries (429, 5xx, timeouts) per request
    max_attempts: int = Field(3, ge=1)  # validation attempts, each with a new seed
    # Answers asked per detailed sample (each with its own seed); a sample is kept only when
    # their conclusions agree (level word / winner), and the share that does not is reported.
    samples_per_request: int = Field(1, ge=1)
    backoff_initial: float = Field(1.0, ge=0)  # first jittered exponential wait, seconds
    backoff_max: float = Field(60.0, ge=0)  # cap of one exponential wait
    retry_after_max: float = Field(300.0, ge=0)  # cap on a server's Retry-After
    json_mode: bool = True  # ask expansion replies as a JSON object (response_format)
    cache_dir: Optional[str] = None  # None: no cache (every call goes to the server)
    batch: bool = False  # use the Batch API instead of live requests
    batch_poll_interval: float = Field(30.0, gt=0)
    batch_wait: Optional[float] = Field(None, ge=0)  # give up polling after this (rerun resumes)
    price_prompt_per_1k: float = Field(0.0025, ge=0)  # USD per 1K prompt tokens (cost estimate)
    price_completion_per_1k: float = Field(0.01, ge=0)  # USD per 1K completion tokens
    # What an outage does: "fail" stops the stage, "offline" writes the failed samples with the
    # offline writer, "skip" leaves them out (the shard stays incomplete, a rerun asks again).
    on_failure: Literal["fail", "offline", "skip"] = "fail"
    request_deadline: float = Field(180.0, gt=0)  # seconds per request, all retries included
    breaker_failures: int = Field(5, ge=1)  # consecutive connection errors/timeouts: stop
    failure_share: float = Field(0.5, gt=0, le=1)  # stop when more requests than this fail...
    failure_min_requests: int = Field(10, ge=1)  # ...once this many have finished
    # Processes that check replies against the labels, off the requests' event loop (None:
    # one per spare CPU, at most 4; 0: check on the loop).
    check_workers: Optional[int] = Field(None, ge=0)

    @field_validator("base_url")
    @classmethod
    def _no_credentials_in_url(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return value
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"base_url {redact_url(value)!r} must start with http:// or "
                             f"https://")
        check_url_has_no_secret(value)
        return value.rstrip("/")

    @field_validator("api_key")
    @classmethod
    def _key_not_empty(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError(f"api_key is empty; set {ENV_API_KEY}")
        return value

    @model_validator(mode="after")
    def _batch_needs_cache(self) -> "LLMConfig":
        if self.batch and self.cache_dir is None:
            raise ValueError("batch mode needs cache_dir: batch ids and results are kept there "
                             "so that a rerun resumes instead of resubmitting")
        return self

    @property
    def cache_path(self) -> Optional[Path]:
        return Path(self.cache_dir) if self.cache_dir else None

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """Estimated USD for the given token counts at the configured prices."""
        return estimate_cost(prompt_tokens, completion_tokens, self.price_prompt_per_1k,
                             self.price_completion_per_1k)

    @classmethod
    def from_env(cls, **overrides) -> "LLMConfig":
        """Settings from ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``, then ``overrides`` on top."""
        values = dict(overrides)
        if "api_key" not in values:
            key = os.environ.get(ENV_API_KEY, "")
            if not key.strip():
                raise LLMConfigError(f"{ENV_API_KEY} is not set: the LLM generators need a key "
                                     f"(any placeholder for a local server that ignores it)")
            values["api_key"] = key
        if "base_url" not in values and os.environ.get(ENV_BASE_URL):
            values["base_url"] = os.environ[ENV_BASE_URL]
        try:
            return cls(**values)
        except ValueError as err:  # pydantic's message shows inputs; drop it for the key field
            raise LLMConfigError(_scrub_validation_error(err)) from None


def _scrub_validation_error(err: ValueError) -> str:
    errors = getattr(err, "errors", None)
    if not callable(errors):
        return "invalid LLM configuration"
    parts = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors(include_input=False)]
    return "invalid LLM configuration: " + "; ".join(parts)


def estimate_cost(prompt_tokens: int, completion_tokens: int, price_prompt_per_1k: float,
                  price_completion_per_1k: float) -> float:
    """Estimated USD for token counts at per-1K-token prices."""
    return (prompt_tokens * price_prompt_per_1k
            + completion_tokens * price_completion_per_1k) / 1000.0


def llm_configured() -> bool:
    """True when an LLM server is configured through the environment (``OPENAI_API_KEY`` set)."""
    return bool(os.environ.get(ENV_API_KEY, "").strip())
