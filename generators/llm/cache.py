"""On-disk cache of model replies: one small JSON file per request key, written atomically.

Why files rather than sqlite: every reply is written the moment it arrives by whichever task
got it, so a killed run keeps everything but the requests in flight; a temp file + ``os.replace``
(``iqa_datagen.files``) is atomic on POSIX and Windows, needs no lock shared between threads or
processes (two Prefect workers may write at once), and a half-written entry can never be read
back. Entries are spread over folders by the first two hex digits of the key to keep
directories small.

Reply entries are not fsynced: a killed process loses nothing it wrote (the page cache outlives
it), and after a power cut an entry that did not reach the disk reads as missing (an empty or
broken file is ignored) and is asked for again. An fsync per reply took about 3.5 ms of a
worker thread here, and at hundreds of replies a second it starved the threads that build the
request bodies. Batch state files, which name paid batches, are still fsynced.

Entries hold the reply and token counts, never the request headers or the key.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Optional

from iqa_datagen.files import atomic_write_text


def request_key(payload: dict[str, Any]) -> str:
    """SHA-256 of a canonical JSON payload (model, prompt version, prompt text, image hashes,
    sampling parameters, seed, attempt)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_json_atomic(path: Path, data: Any, durable: bool = True) -> None:
    """Write JSON to ``path`` atomically (``iqa_datagen.files``: temp file, rename; ``durable``:
    fsync before the rename, so it survives a power cut too)."""
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                      durable=durable)


class ReplyCache:
    """Replies by request key under ``root/replies``; ``root=None`` keeps nothing."""

    def __init__(self, root: Optional[Path]):
        self.root = Path(root) if root is not None else None

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def _path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / "replies" / key[:2] / f"{key}.json"

    def get(self, key: str) -> Optional[dict]:
        if self.root is None:
            return None
        path = self._path(key)
        try:
            with path.open(encoding="utf-8") as handle:
                entry = json.load(handle)
        except FileNotFoundError:
            return None
        except (OSError, json.JSONDecodeError):  # unreadable entry: treat as missing, refetch
            return None
        return entry if entry.get("key") == key else None

    def put(self, key: str, entry: dict) -> None:
        if self.root is None:
            return
        write_json_atomic(self._path(key), {**entry, "key": key}, durable=False)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None
