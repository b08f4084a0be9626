"""An exclusive lock on a dataset folder, so two commands never write into it at once.

``<folder>/.lock`` is locked with ``flock`` and names its holder (command, pid, host, start
time). The kernel drops the lock when its holder exits, however it exits, so a lock left by a
killed run is stale by construction: the next command takes it over and says so. A second
command while the first runs is refused with a line naming the holder. The lock is re-entrant
within a process (the CLI takes it before validating; the flow it then runs finds it held).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .layout import StorageError

LOCK_NAME = ".lock"
log = logging.getLogger(__name__)
_held: dict[str, list] = {}  # real path -> [file object, depth]
_guard = threading.Lock()


class FolderBusy(RuntimeError):
    """Another process holds the folder's lock; the message names it."""


def _holder(text: str) -> dict:
    try:
        info = json.loads(text)
    except ValueError:
        return {}
    return info if isinstance(info, dict) else {}


@contextmanager
def folder_lock(folder: Path | str, command: str = "build") -> Iterator[Path]:
    """Hold ``folder``'s lock for the block (creating the folder); FolderBusy when taken."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise StorageError(f"{folder}: is a file, not a folder; choose another output folder")
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    key = os.path.realpath(folder)
    with _guard:
        entry = _held.get(key)
        if entry is not None:
            entry[1] += 1
        else:
            _held[key] = [_acquire(folder / LOCK_NAME, folder, command), 1]
    try:
        yield folder
    finally:
        with _guard:
            entry = _held[key]
            entry[1] -= 1
            if entry[1] == 0:
                del _held[key]
                entry[0].truncate(0)  # a lock file naming nobody: released, not stale
                if created and [p.name for p in folder.iterdir()] == [LOCK_NAME]:
                    (folder / LOCK_NAME).unlink()  # refused before writing: leave no folder
                    folder.rmdir()
                entry[0].close()  # closing the descriptor releases the flock


def _acquire(path: Path, folder: Path, command: str):
    f = open(path, "a+")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.seek(0)
        info = _holder(f.read())
        f.close()
        since = info.get("since")
        when = f" since {time.strftime('%H:%M:%S', time.localtime(since))}" if since else ""
        raise FolderBusy(f"{folder}: in use by `iqa-datagen {info.get('command', '?')}` "
                         f"(pid {info.get('pid', '?')} on host {info.get('host', '?')}{when}); "
                         "wait for it to finish, or choose another folder") from None
    except BaseException:
        f.close()
        raise
    f.seek(0)
    old = _holder(f.read())
    if old.get("pid") and old.get("pid") != os.getpid():
        log.warning("%s: stale lock of pid %s on %s (no longer running) taken over", folder,
                    old.get("pid"), old.get("host"))
    f.seek(0)
    f.truncate()
    f.write(json.dumps({"command": command, "pid": os.getpid(), "host": socket.gethostname(),
                        "since": round(time.time(), 3)}))
    f.flush()
    return f
