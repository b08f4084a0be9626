"""When the command line starts Prefect, and how: never for a command that needs no flow; for
one that does, a temporary server started in the background after validation, honouring
Prefect's start-up timeout, drained and stopped at the end; Dask workers report to it.

Every check runs in a fresh interpreter, since the test process may hold Prefect settings of
its own (the flow tests' server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import yaml

from flowkit import tiny

SERVER_APP = "prefect.server.api.server:create_app"


def _env(tmp_path: Path, unset: tuple[str, ...] = (), **extra: str) -> dict:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **extra}
    for name in ("PREFECT_API_URL", *unset):
        env.pop(name, None)
    plugins = str(Path(__file__).parents[1] / "plugins")  # the test plugin, importable as conftest does
    env["PYTHONPATH"] = os.pathsep.join(p for p in (plugins, env.get("PYTHONPATH")) if p)
    return env


def _python(script: str, tmp_path: Path, timeout: float = 300, unset: tuple[str, ...] = (),
            **env: str):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=tmp_path,
                          env=_env(tmp_path, unset, **env), capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """A tiny dataset built step by step in this process (no Prefect)."""
    from iqa_datagen.pipeline import build

    out = tmp_path_factory.mktemp("orchestration") / "ds"
    build(tiny(), str(out))
    return out


def test_commands_that_need_no_flow_never_start_or_import_prefect(dataset, tmp_path):
    other_seed = tmp_path / "seed.yaml"
    other_seed.write_text(yaml.safe_dump(tiny(seed=99)))
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("not a folder")
    commands = [
        (["stats", str(dataset)], 0),
        (["stats", str(dataset), "--verify", "--consistency", "--json"], 0),
        (["export", str(dataset), "--format", "llava", "--out", str(tmp_path / "llava")], 0),
        (["catalogue"], 0),
        (["catalogue", "--json"], 0),
        (["build", "--dry-run"], 0),
        (["build", "--write-config", str(tmp_path / "written.yaml")], 0),
        (["filter", str(dataset), "--drop-marked", "bad", "--dry-run"], 0),
        # refused: bad config, bad references, a config that does not match the folder, bad
        # resplit and extend arguments
        (["build", "--tasks.identification", "-1", "--out", str(tmp_path / "x")], 2),
        (["build", "--references", str(tmp_path / "nowhere"), "--out", str(tmp_path / "y")], 2),
        (["build", "--config", str(other_seed), "--out", str(dataset)], 2),
        (["resplit", str(tmp_path / "nowhere"), "--seed", "1"], 2),
        (["resplit", str(dataset)], 2),
        (["resplit", str(dataset), "--test-fraction", "5"], 2),
        (["extend", str(dataset)], 2),  # no plugin: nothing new to add
        (["extend", str(dataset), "--plugin", "iqa_test_plugin", "--share", "2"], 2),
        (["extend", str(dataset), "--plugin", "no_such_plugin_module"], 2),
        (["train-assistant", "--data", str(tmp_path / "nowhere")], 2),
        (["train-assistant", "--out", str(a_file)], 2),  # an output folder that is a file
        (["export", str(dataset), "--format", "llava", "--out", str(a_file)], 2),
    ]
    script = f"""
        import contextlib, io, json, sys
        import psutil
        from iqa_datagen.cli import main, orchestration

        def no_server(*args):
            raise AssertionError("a Prefect server was started")

        orchestration._start_server = no_server
        for argv, expected in json.loads({json.dumps(json.dumps(commands))}):
            with contextlib.redirect_stdout(io.StringIO()):
                code = main(argv)
            assert code == expected, (argv, code)
            started = sorted(m for m in sys.modules if m == "prefect" or m.startswith("prefect."))
            assert not started, (argv, started[:5])
            assert not psutil.Process().children(recursive=True), argv
            print("ok", " ".join(argv[:2]))
    """
    proc = _python(script, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("ok ") == len(commands)


def test_resplit_starts_the_server_before_its_heavy_imports(dataset, tmp_path):
    """The server boots for seconds, so it starts as soon as the stored config and the new
    split are validated: before pyarrow, Prefect or the LLM client are imported (they load
    meanwhile, on the other core); ``stats`` never imports the LLM client at all."""
    copy = tmp_path / "copy"
    __import__("shutil").copytree(dataset, copy)
    script = f"""
        import contextlib, io, sys
        from iqa_datagen.cli import main, orchestration

        class Spawned(Exception):
            pass

        def record(port):
            heavy = [m for m in ("pyarrow", "prefect", "openai", "matplotlib") if m in sys.modules]
            print("loaded at server start:", heavy)
            raise Spawned

        orchestration._start_server = record
        try:
            main(["resplit", {str(copy)!r}, "--seed", "5"])
        except Spawned:
            pass
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["stats", {str(copy)!r}, "--consistency"]) == 0
        print("openai after stats:", "openai" in sys.modules)
    """
    proc = _python(script, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "loaded at server start: []" in proc.stdout, proc.stdout
    assert "openai after stats: False" in proc.stdout, proc.stdout


def test_the_server_starts_in_the_background_and_is_drained_and_stopped(tmp_path):
    script = """
        import os, threading, time, httpx
        from iqa_datagen.cli import orchestration

        with orchestration.prefect_api() as ready:
            server = orchestration._server
            assert server is not None and server.poll() is None  # booting, not waited for
            assert "PREFECT_API_URL" not in os.environ
            assert "prefect.server" not in " ".join(__import__("sys").modules)
            # a thread waits for the server and sends its first (slow) API request meanwhile
            warming = [t for t in threading.enumerate()
                       if t.name == orchestration.WARM_UP_THREAD]
            assert len(warming) == 1 and warming[0].is_alive()
            ready()
            assert not warming[0].is_alive()
            url = os.environ["PREFECT_API_URL"]
            assert httpx.get(url + "/health").status_code == 200

            from prefect import flow, get_run_logger

            @flow(name="probe")
            def probe():
                from prefect.settings import get_current_settings

                get_run_logger().warning("a log line sent to the API")
                # no heartbeat thread (the server dies with this process; joining it cost up
                # to a second per flow run)
                assert get_current_settings().flows.heartbeat_frequency is None
                return 7

            assert probe() == 7
        assert server.poll() is not None and "PREFECT_API_URL" not in os.environ
        assert orchestration._server is None
        print("done")
    """
    started = time.monotonic()
    proc = _python(script, tmp_path, PREFECT_LOGGING_LEVEL="WARNING")
    assert proc.returncode == 0 and "done" in proc.stdout, proc.stdout + proc.stderr
    # Logs still queued are sent before the server stops, not retried against a dead one
    assert "Error logging to API" not in proc.stderr, proc.stderr
    assert time.monotonic() - started < 120


def test_startup_timeout_comes_from_prefects_setting(tmp_path):
    script = """
        import time
        from iqa_datagen.cli import orchestration

        print("timeout", orchestration.startup_timeout())
        started = time.monotonic()
        try:
            with orchestration.prefect_api() as ready:
                ready()
        except RuntimeError as exc:
            print("error", exc)
        print("waited", time.monotonic() - started)
    """
    proc = _python(script, tmp_path, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="1")
    lines = dict(line.split(" ", 1) for line in proc.stdout.splitlines())
    assert proc.returncode == 0 and lines["timeout"] == "1.0", proc.stdout + proc.stderr
    assert "not ready after 1 s" in lines["error"]
    assert "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS" in lines["error"]
    assert float(lines["waited"]) < 30
    default = _python("from iqa_datagen.cli import orchestration as o; "
                      "print(o.startup_timeout())", tmp_path,
                      unset=("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",))
    assert default.stdout.strip() == "120.0", default.stdout + default.stderr


def _servers_below(pid: int) -> set[int]:
    """Prefect API servers among the descendants of ``pid``."""
    import psutil

    found = set()
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return found
    for child in children:
        try:
            if any(SERVER_APP in part for part in child.cmdline()):
                found.add(child.pid)
        except psutil.Error:
            continue
    return found


@pytest.mark.slow
def test_dask_workers_report_to_the_cli_server_quietly(tmp_path):
    """A build on a local Dask cluster: one Prefect server in the whole process tree (the
    workers use the CLI's), and no INFO chatter from ``distributed`` on stderr."""
    config = tmp_path / "dask.yaml"
    config.write_text(yaml.safe_dump(tiny(run={"executor": "dask", "dask_workers": 2})))
    proc = subprocess.Popen([sys.executable, "-m", "iqa_datagen.cli", "build", "--config",
                             str(config), "--out", str(tmp_path / "ds"), "--no-progress",
                             "--json"], cwd=tmp_path, env=_env(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    servers: set[int] = set()
    most_at_once = 0
    done = threading.Event()

    def watch() -> None:
        # Servers alive at the same moment: a server that lost its port to another process
        # between choosing and binding is replaced by a second one, which is not a second
        # server in the tree.
        nonlocal most_at_once
        while not done.is_set():
            now = _servers_below(proc.pid)
            servers.update(now)
            most_at_once = max(most_at_once, len(now))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        out, err = proc.communicate(timeout=600)
    finally:
        done.set()
        watcher.join()
    assert proc.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["shards"] == 3 and summary["records_total"] > 0
    assert servers and most_at_once == 1, servers
    assert not [line for line in err.splitlines() if "INFO" in line], err
