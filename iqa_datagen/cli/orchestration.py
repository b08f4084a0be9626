"""Running a flow from the command line: the temporary Prefect server, and Ctrl-C.

Commands start Prefect only to run a flow, after their inputs were validated. Without a
configured ``PREFECT_API_URL`` the CLI runs Prefect's API server itself: started in the
background as soon as the inputs passed, so that it boots while the command imports its flow and
does the work that needs no Prefect (a build checks its LLM server and trains its assistant
meanwhile; a background thread sends the server its first, slow, API request as soon as it
is up), and in a session of its own: Ctrl-C in a terminal (sent to the whole foreground
process group) then reaches the CLI alone instead of killing the server under a running flow.
Flow runs send no heartbeats to it: the server ends with the CLI, so nothing could use them.
``PREFECT_API_URL`` is exported to child processes, so Dask workers report to this server
instead of starting one each. Prefect's pending logs and events are sent before the server
stops (sent later, each would be retried against a stopped server for a minute).

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
from contextlib import ExitStack, contextmanager
from typing import Callable, Iterator, Optional

DEFAULT_STARTUP_TIMEOUT = 120.0  # Prefect's own default (20 s) is short for a loaded machine
_server: Optional[subprocess.Popen] = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    """Prefect's API server (as Prefect's own temporary server runs it), in its own session.

    Started before this process imports Prefect (seconds), so both happen at once: the server
    reads the same environment and Prefect profile; settings made inside this process (when
    Prefect is already imported) are passed on."""
    import importlib.util

    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
           "PREFECT__SERVER_FINAL": "1"}
    if "prefect.settings" in sys.modules:
        from prefect.settings import get_current_settings

        env.update(get_current_settings().to_environment_variables(exclude_unset=True))
    app_dir = os.path.dirname(importlib.util.find_spec("prefect").submodule_search_locations[0])
    uvicorn = [sys.executable, "-m", "uvicorn", "--app-dir", app_dir,
               "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "error", "--lifespan", "on"]
    return subprocess.Popen([sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), *uvicorn],
                            env=env, stdin=subprocess.DEVNULL, start_new_session=True)


def _configured_api() -> Optional[str]:
    """The API Prefect is told to use: in the environment, else in its settings (asked only
    once Prefect is imported: importing it takes seconds, which the server's boot can use)."""
    if os.environ.get("PREFECT_API_URL") or "prefect.settings" not in sys.modules:
        return os.environ.get("PREFECT_API_URL") or None
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


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


def startup_timeout() -> float:
    """Seconds to wait for the temporary server: ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS``
    where it is set (environment or Prefect profile), else ``DEFAULT_STARTUP_TIMEOUT``."""
    from prefect.settings import get_current_settings

    ephemeral = get_current_settings().server.ephemeral
    if "startup_timeout_seconds" in ephemeral.model_fields_set:
        return float(ephemeral.startup_timeout_seconds)
    return DEFAULT_STARTUP_TIMEOUT


def _wait_healthy(server: subprocess.Popen, url: str, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
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
            time.sleep(0.05)
    raise RuntimeError(f"the temporary Prefect server at {url} was not ready after "
                       f"{timeout:.0f} s (on a loaded machine, raise "
                       f"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")


def _stop_server(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=5)
    except (ProcessLookupError, PermissionError):
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _drain_prefect_workers() -> None:
    """Send the logs and events Prefect still queues, while the server can take them."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=10)
        except Exception:  # pragma: no cover - a worker that never started, a closed loop
            pass


WARM_UP_THREAD = "prefect-server-warm-up"


def _warm_up(server: subprocess.Popen, url: str) -> None:
    """Wait for the server in the background, then send it one API request. Its first request
    builds FastAPI's route tables (~0.5 s here): paid now, while a build trains its assistant,
    instead of at the first flow run. Any failure is left for ``ready()`` to report."""
    try:
        _wait_healthy(server, url, DEFAULT_STARTUP_TIMEOUT)
        import httpx

        httpx.get(f"{url}/hello", timeout=DEFAULT_STARTUP_TIMEOUT)
    except Exception:  # noqa: BLE001 - ready() waits again and says what went wrong
        pass


def _import_while_waiting() -> None:
    """Import what every flow command needs later, while the server boots on the other core:
    Prefect's flow and task engines (imported by the first flow run, ~0.5 s) and matplotlib
    for the dataset card's plots (every build, resplit and extend ends with the card)."""
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401
    import prefect.flow_engine  # noqa: F401
    import prefect.task_engine  # noqa: F401


class _TemporaryServer:
    """Prefect's API server, started now; ``ready()`` waits for it and points Prefect (and child
    processes) at it."""

    def __init__(self) -> None:
        global _server
        self.url = ""
        self.process = _server = self._start()
        self._settings = ExitStack()
        self._env_before: Optional[str] = None
        self.is_ready = self.started_here = False

    def _start(self) -> subprocess.Popen:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        process = _start_server(self.port)
        self._warming = threading.Thread(target=_warm_up, args=(process, self.url),
                                         name=WARM_UP_THREAD, daemon=True)
        self._warming.start()
        return process

    def ready(self) -> None:
        global _server
        if self.is_ready:
            return
        from prefect.settings import PREFECT_API_URL, temporary_settings

        if PREFECT_API_URL.value():  # a Prefect profile or settings file names an API: use it
            self.is_ready = True
            _server = None
            _stop_server(self.process)
            return
        timeout = startup_timeout()
        _import_while_waiting()
        self._warming.join(timeout)
        for attempt in range(3):
            try:
                _wait_healthy(self.process, self.url, timeout)
                break
            except RuntimeError:
                _stop_server(self.process)
                # uvicorn exits 3 when the port was taken between choosing and binding
                if self.process.returncode != 3 or attempt == 2:
                    raise
                self.process = _server = self._start()
        self._env_before = os.environ.get("PREFECT_API_URL")
        os.environ["PREFECT_API_URL"] = self.url  # inherited by Dask worker processes
        # No flow-run heartbeats: they tell a long-lived server that a run's process is alive,
        # but this server lives and dies with this process. Each flow run would also wait up to
        # a second at its end for its heartbeat thread (it sleeps in one-second steps).
        self._settings.enter_context(temporary_settings(
            updates={PREFECT_API_URL: self.url, "flows.heartbeat_frequency": None}))
        self.is_ready = self.started_here = True

    def close(self) -> None:
        global _server
        try:
            if self.is_ready:
                _drain_prefect_workers()
            if self.started_here:
                self._settings.close()
                if self._env_before is None:
                    os.environ.pop("PREFECT_API_URL", None)
                else:
                    os.environ["PREFECT_API_URL"] = self._env_before
        finally:
            _server = None
            _stop_server(self.process)


@contextmanager
def prefect_api() -> Iterator[Callable[[], None]]:
    """A Prefect API for the block: the configured one, else a temporary server of our own,
    started in the background at once. Yields ``ready()``: call it before the first flow (it
    waits until the server answers); work that needs no Prefect goes before it."""
    if _configured_api():
        yield lambda: None
        return
    server = _TemporaryServer()
    try:
        yield server.ready
    finally:
        server.close()


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
