"""Keeping credentials out of what is stored: URLs that carry them, config fields named like them.

A build's config travels into ``.build.json``, ``manifest.json`` and Prefect's database, so
nothing in it may hold a key; keys come from the environment (``OPENAI_API_KEY``) only.
"""

from __future__ import annotations

import re
from typing import Optional
from urllib.parse import parse_qsl, urlsplit, urlunsplit

# Names that hold credentials (config fields, query parameters of OpenAI-compatible proxies).
SECRET_NAME = re.compile(r"(key|token|secret|password|passwd|pwd|auth|signature|sig|"
                         r"credential|session)", re.I)


def _secret_params(url: str) -> list[str]:
    return [k for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)
            if SECRET_NAME.search(k)]


def check_url_has_no_secret(url: str) -> None:
    """Refuse a server URL that carries credentials (user:password@ or a key-like query
    parameter), naming where the key belongs instead; the message shows the URL redacted."""
    parts = urlsplit(url)
    if parts.username or parts.password or "@" in parts.netloc:
        raise ValueError(f"base_url {redact_url(url)!r} carries credentials (user info); put "
                         f"the key in OPENAI_API_KEY instead")
    names = _secret_params(url)
    if names:
        raise ValueError(f"base_url {redact_url(url)!r} carries credentials in its query "
                         f"({', '.join(names)}); put the key in OPENAI_API_KEY instead")


def redact_url(url: Optional[str]) -> Optional[str]:
    """``url`` with user info and secret-like query values replaced by ``<redacted>``."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return "<unparseable url>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "<redacted>@" + netloc.rsplit("@", 1)[1]
    query = "&".join(f"{k}=<redacted>" if SECRET_NAME.search(k) else (f"{k}={v}" if v else k)
                     for k, v in pairs)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
