"""Running a flow from the command line: the temporary Prefect server, and Ctrl-C.

Commands start Prefect only to run a flow, after their inputs were validated. Without a
configured ``PREFECT_API_URL`` the CLI runs Prefect's API server itself, in a session of its own:
Ctrl-C in a terminal (sent to the whole foreground process group) then reaches the CLI alone
instead of killing the server under a running flow. ``PREFECT_API_URL`` is exported to child
processes, so Dask workers report to this server instead of starting one each.

On SIGINT or SIGTERM the CLI stops the server and every process it started (Dask workers), says
how to resume, and exits 130 or 143 at once. Nothing is lost by not unwinding: finished parts
are committed atomically, and the next run clears what a stopped one left half-written.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator, Optional

STARTUP_TIMEOUT = 120.0
_server: Optional[subprocess.Popen] = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    """Prefect's API server (as Prefect's own temporary server runs it), in its own session."""
    import prefect
    from prefect.settings import get_current_settings

    env = {**os.environ, **get_current_settings().to_environment_variables(exclude_unset=True),
           "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
           "PREFECT__SERVER_FINAL": "1"}
    uvicorn = [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent),
               "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "error", "--lifespan", "on"]
    return subprocess.Popen([sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), *uvicorn],
                            env=env, stdin=subprocess.DEVNULL, start_new_session=True)


# Run in the server's process before it becomes uvicorn: the kernel kills it when the CLI dies,
# even by SIGKILL (Linux; elsewhere the server outlives a killed CLI, as Prefect's own does).
_DIE_WITH_PARENT = """
import os, signal, sys
try:
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
except (OSError, AttributeError):
    pass
if os.getppid() != int(sys.argv[1]):
    sys.exit(0)  # the CLI is already gone
os.execv(sys.argv[2], sys.argv[2:])
"""


def _wait_healthy(server: subprocess.Popen, url: str) -> None:
    import httpx

    deadline = time.monotonic() + STARTUP_TIMEOUT
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"the temporary Prefect server exited with code "
                                   f"{server.returncode} before it was ready")
            try:
                if client.get(f"{url}/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"the temporary Prefect server at {url} was not ready after "
                       f"{STARTUP_TIMEOUT:.0f} s")


def _stop_server(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=5)
    except (ProcessLookupError, PermissionError):
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


@contextmanager
def prefect_api() -> Iterator[None]:
    """A Prefect API for the block: the configured one, else a temporary server of our own."""
    global _server
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    for _ in range(3):  # a port taken between choosing and binding: choose again
        port = _free_port()
        _server = _start_server(port)
        url = f"http://127.0.0.1:{port}/api"
        try:
            _wait_healthy(_server, url)
            break
        except RuntimeError:
            _stop_server(_server)
            if _server.returncode != 3:  # uvicorn's exit code for an address in use
                raise
    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url  # inherited by Dask worker processes
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before
        server, _server = _server, None
        _stop_server(server)


def _kill_descendants() -> None:
    """Stop the temporary server and every process this one started (Dask workers)."""
    if _server is not None:
        try:
            os.killpg(_server.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with Dask's distributed
        return
    for child in psutil.Process().children(recursive=True):
        try:
            child.kill()
        except psutil.Error:
            pass


@contextmanager
def interruptible(command: str) -> Iterator[None]:
    """SIGINT/SIGTERM during the block: stop everything started, exit 130/143 with a line
    saying how to resume (only in the main thread, where Python delivers signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os.write(2, f"\niqa-datagen {command}: interrupted; rerun the same command to "
                    f"resume\n".encode())
        _kill_descendants()
        os._exit(128 + signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
