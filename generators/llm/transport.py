"""Live chat-completion calls with our own retry policy (the openai client's retries are off).

* 429: wait what the server says (``Retry-After`` in seconds or as an HTTP date, or OpenAI's
  ``retry-after-ms``), capped by ``retry_after_max``; without a header, the backoff below.
* 5xx, 408/409, timeouts, connection errors and unparseable bodies: jittered exponential backoff
  (tenacity's ``wait_exponential_jitter``), at most ``max_retries`` retries.
* 401 and 403: the key is refused; nothing else will work, so the stage stops at once
  (``LLMUnavailable``).
* Any other 4xx: no retry; that request fails with a clear, key-free message, the batch goes on.
* Every request has a total deadline (``request_deadline``, retries and waits included), and
  ``breaker_failures`` connection errors or timeouts in a row open the circuit: the stage stops
  with the cause instead of retrying against a server that is not there.

Live requests go over aiohttp (``ChatPoster``) with the SDK's URL, headers and error types;
the openai SDK itself (httpx) is kept for the Batch API. At 32-128 requests in flight the
SDK's per-request work (its request options, httpx's connection-pool scan) took 1-1.7 ms of
event-loop time, which capped throughput well below the server's; aiohttp needs about 0.2 ms.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import re
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable, Optional

import aiohttp
import openai
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_base, wait_exponential_jitter

from .config import LLMConfig, redact_url

log = logging.getLogger(__name__)

_KEY_LIKE = re.compile(r"\b(?:sk|key|bearer)[-_ ][A-Za-z0-9_\-*.]{4,}", re.I)


class CallFailed(Exception):
    """A request got no usable reply (after retries where retrying made sense).

    A transport failure, never a verdict on the reply: the sample is missing, not rejected.
    """


class LLMUnavailable(RuntimeError):
    """The server cannot serve this stage (key refused, unreachable, most requests failing):
    going on would only make a partial dataset. The message is one key-free line."""


class MalformedReply(Exception):
    """The server answered 2xx with a body that is not a chat completion."""


def redact(text: str, secret: Optional[str] = None) -> str:
    """``text`` with the key (and anything shaped like a key, e.g. a masked echo) removed."""
    if secret:
        text = text.replace(secret, "<redacted>")
    return _KEY_LIKE.sub("<redacted>", text)


@dataclass
class Reply:
    """What we keep of a chat completion (also the cache entry's content)."""

    content: Optional[str]
    finish_reason: Optional[str]
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: Optional[str] = None

    def to_entry(self) -> dict:
        return {"content": self.content, "finish_reason": self.finish_reason,
                "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "model": self.model}

    @classmethod
    def from_entry(cls, entry: dict) -> "Reply":
        return cls(entry.get("content"), entry.get("finish_reason"),
                   int(entry.get("prompt_tokens") or 0), int(entry.get("completion_tokens") or 0),
                   entry.get("model"))

    @classmethod
    def from_completion(cls, data: Any) -> "Reply":
        """From a chat completion (object or the dict of a batch output line)."""
        if not isinstance(data, dict):
            data = data.model_dump() if hasattr(data, "model_dump") else None
        choices = data.get("choices") if isinstance(data, dict) else None
        if not choices or not isinstance(choices[0], dict):
            raise MalformedReply("reply has no choices")
        message = choices[0].get("message") or {}
        usage = data.get("usage") or {}
        return cls(message.get("content"), choices[0].get("finish_reason"),
                   int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0),
                   data.get("model"))


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP date), else None."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def retry_after_of(exc: BaseException) -> Optional[float]:
    """The server-requested wait carried by a 429/503 error, if any."""
    response = getattr(exc, "response", None)
    if response is None or getattr(exc, "status_code", None) not in (429, 503):
        return None
    headers = response.headers
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    return parse_retry_after(headers.get("retry-after"))


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: rate limits, server errors, timeouts, broken bodies."""
    if isinstance(exc, (openai.APIConnectionError, MalformedReply, json.JSONDecodeError,
                        openai.APIResponseValidationError)):
        return True  # APITimeoutError is an APIConnectionError
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False


class RetryAfterOrBackoff(wait_base):
    """Honour the server's Retry-After (capped); otherwise jittered exponential backoff."""

    def __init__(self, config: LLMConfig):
        self.cap = config.retry_after_max
        self.backoff = wait_exponential_jitter(multiplier=config.backoff_initial,
                                               max=config.backoff_max,
                                               jitter=config.backoff_initial)

    def __call__(self, retry_state) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        asked = retry_after_of(exc) if exc is not None else None
        if asked is not None:
            return min(asked, self.cap)
        return self.backoff(retry_state)


def describe_error(exc: BaseException, secret: Optional[str]) -> str:
    """A one-line, key-free description of a failed call."""
    if isinstance(exc, openai.APIStatusError):
        text = f"HTTP {exc.status_code} {type(exc).__name__}: {exc.message}"
    elif isinstance(exc, openai.APITimeoutError):
        text = "timeout: no reply within the configured timeout"
    elif isinstance(exc, openai.APIConnectionError):
        text = f"connection error: {exc.message}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return redact(text, secret)[:500]


def make_client(config: LLMConfig) -> openai.AsyncOpenAI:
    """An async client with retries off (the policy here is ours) and the configured timeout."""
    return openai.AsyncOpenAI(api_key=config.api_key.get_secret_value(),
                              base_url=config.base_url, timeout=config.timeout, max_retries=0)


def where(config: LLMConfig) -> str:
    """The server, for messages (credentials redacted)."""
    return redact_url(config.base_url) or "the OpenAI API (OPENAI_BASE_URL unset)"


def json_bytes(body: dict) -> bytes:
    """A request body as sent (UTF-8 JSON, compact)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def proxy_for(url: str) -> Optional[str]:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY`` / ``HTTP_PROXY`` unless
    ``NO_PROXY`` covers the host), as the SDK's httpx client honours them; read once, since
    aiohttp's ``trust_env`` reads the environment again for every request."""
    parts = urllib.parse.urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxy


class ChatPoster:
    """``POST {base_url}/chat/completions`` over one aiohttp session (made on first use, on the
    loop that uses it), with the URL and headers the openai client would send. Failures come
    back as the SDK's exceptions (``APIStatusError`` subclasses, ``APIConnectionError``,
    ``APITimeoutError``), so the retry policy treats both paths alike."""

    def __init__(self, config: LLMConfig, client: openai.AsyncOpenAI):
        self.client = client
        self.url = str(client.base_url).rstrip("/") + "/chat/completions"
        headers = {**client.default_headers, **client.auth_headers}
        self.headers = {k: v for k, v in headers.items() if isinstance(v, str)}  # no Omit
        # httpx's timeout in the SDK bounds connecting and each read; so does this one
        self.timeout = aiohttp.ClientTimeout(total=None, sock_connect=config.timeout,
                                             sock_read=config.timeout)
        self.limit = config.concurrency
        self.proxy = proxy_for(self.url)
        self.session: Optional[aiohttp.ClientSession] = None

    def _request(self):
        return openai._httpx.Request("POST", self.url)  # the SDK's HTTP types, for its errors

    async def post(self, data: bytes) -> Any:
        """The decoded JSON of a 2xx reply; raises the SDK's error otherwise."""
        if self.session is None:  # no cookies to keep: the dummy jar skips a per-request scan
            connector = aiohttp.TCPConnector(limit=self.limit, limit_per_host=0)
            self.session = aiohttp.ClientSession(connector=connector, timeout=self.timeout,
                                                 headers=self.headers,
                                                 cookie_jar=aiohttp.DummyCookieJar())
        try:
            async with self.session.post(self.url, data=data, proxy=self.proxy) as response:
                content = await response.read()
                status, headers = response.status, dict(response.headers)
        except asyncio.TimeoutError:  # aiohttp's connect/read timeout (the deadline cancels)
            raise openai.APITimeoutError(request=self._request()) from None
        except aiohttp.ClientError as exc:  # refused, reset, DNS, closed mid-reply
            raise openai.APIConnectionError(message=f"{type(exc).__name__}: {exc}",
                                            request=self._request()) from None
        if status >= 400:
            raise self.client._make_status_error_from_response(openai._httpx.Response(
                status, headers=headers, content=content, request=self._request()))
        return json.loads(content)

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None


class LiveTransport:
    """Sends chat completions with the retry policy; at most ``concurrency`` in flight."""

    def __init__(self, config: LLMConfig, client: openai.AsyncOpenAI):
        self.config = config
        self.client = client  # the SDK client (Batch API, model list)
        self.poster = ChatPoster(config, client)
        self.slots = asyncio.Semaphore(config.concurrency)  # requests in flight
        self.ready = asyncio.Semaphore(2 * config.concurrency)  # bodies built or in flight
        self.http_calls = 0  # HTTP attempts, retries included
        self.outages_in_a_row = 0  # connection errors and timeouts since the last answer
        self.stopped: Optional[LLMUnavailable] = None  # once set, nothing more is sent

    def retrying(self) -> AsyncRetrying:
        return AsyncRetrying(stop=stop_after_attempt(self.config.max_retries + 1),
                             wait=RetryAfterOrBackoff(self.config),
                             retry=retry_if_exception(is_transient), reraise=True,
                             before_sleep=self._log_retry)

    def _log_retry(self, retry_state) -> None:
        exc = retry_state.outcome.exception()
        log.info("retrying chat completion (attempt %d) after %.2fs: %s",
                 retry_state.attempt_number, retry_state.upcoming_sleep,
                 describe_error(exc, self.config.api_key.get_secret_value()))

    async def close(self) -> None:
        await self.poster.close()
        await self.client.close()

    async def _post(self, body: bytes) -> Any:
        """POST /chat/completions with an encoded body, returning the decoded JSON."""
        secret = self.config.api_key.get_secret_value()
        if self.stopped is not None:
            raise self.stopped
        try:
            data = await self.poster.post(body)
        except openai.APIConnectionError as exc:  # refused, reset, DNS, timeout
            self._outage(describe_error(exc, secret))
            raise
        except openai.APIStatusError as exc:
            self.outages_in_a_row = 0
            if exc.status_code in (401, 403):
                self.stopped = LLMUnavailable(
                    f"{where(self.config)} refused the key ({describe_error(exc, secret)}); "
                    f"check OPENAI_API_KEY")
                raise self.stopped from None
            raise
        self.outages_in_a_row = 0
        return data

    def _outage(self, message: str) -> None:
        """Count a connection error or timeout; open the circuit after too many in a row."""
        self.outages_in_a_row += 1
        if self.stopped is None and self.outages_in_a_row >= self.config.breaker_failures:
            self.stopped = LLMUnavailable(
                f"{self.outages_in_a_row} connection errors or timeouts in a row from "
                f"{where(self.config)} (last: {message})")
        if self.stopped is not None:
            raise self.stopped from None

    async def _attempt(self, body: bytes) -> Reply:
        self.http_calls += 1
        return Reply.from_completion(await self._post(body))

    async def _send(self, body: bytes) -> Reply:
        """One reply, retried by the policy. The first attempt goes out directly: setting up
        tenacity's loop costs about 0.2 ms of event-loop time, a tenth of the loop's work per
        request at 128 in flight, and nearly every request succeeds at once. A failure is
        replayed as the loop's first attempt, so retries, waits and logs are the policy's."""
        try:
            return await self._attempt(body)
        except Exception as exc:
            if not is_transient(exc) or self.config.max_retries == 0:
                raise
            first: Optional[BaseException] = exc
        async for attempt in self.retrying():
            with attempt:
                if first is not None:
                    failure, first = first, None
                    raise failure
                return await self._attempt(body)
        raise AssertionError("unreachable: tenacity re-raises the last failure")  # pragma: no cover

    async def complete(self, build_body: Callable[[], dict],
                       keep: Optional[Callable[[Reply], None]] = None) -> Reply:
        """One reply for the body ``build_body`` makes.

        Bodies (PNG encoding: CPU) are built off the loop while up to ``concurrency`` other
        requests are in flight, so a freed slot finds the next body ready; at most
        2 × ``concurrency`` bodies exist at once, whatever the number of requests.
        ``keep`` (the cache write) runs before the slot is released, so at any moment the
        replies not yet on disk are at most the ``concurrency`` requests in flight.
        """
        secret = self.config.api_key.get_secret_value()
        async with self.ready:
            body = await asyncio.to_thread(lambda: json_bytes(build_body()))
            async with self.slots:
                try:
                    async with asyncio.timeout(self.config.request_deadline):
                        reply = await self._send(body)
                    if keep is not None:
                        await asyncio.to_thread(keep, reply)  # file I/O stays off the loop
                    return reply
                except TimeoutError:
                    message = (f"deadline: no reply within {self.config.request_deadline:g} s "
                               f"(retries included)")
                    self._outage(message)
                    raise CallFailed(message) from None
                except Exception as exc:  # a failure is this request's, not the batch's
                    if not isinstance(exc, (openai.OpenAIError, MalformedReply,
                                            json.JSONDecodeError)):
                        raise
                    message = describe_error(exc, secret)
                    log.warning("chat completion failed: %s", message)
                    raise CallFailed(message) from None
