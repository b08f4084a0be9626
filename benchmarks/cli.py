"""Start-up overhead of the command line: wall time against the time of the commands' own work.

Runs ``iqa-datagen`` as a user would (a fresh process each time, no ``PREFECT_API_URL``, so the
orchestrated commands start their temporary Prefect server) and prints one row per command:

* ``wall s``: the process from start to exit;
* ``work s``: the pipeline's own steps, from the ``step_seconds`` that ``build`` and ``resplit``
  report with ``--json`` (planning, LLM check, assistant training, shards from the first start to
  the last end, manifest and card);
* ``overhead s``: wall minus work: interpreter and imports, waiting for the Prefect server,
  flow and task runs, shutdown.

Commands that need no orchestration (``stats``, ``export``, ``catalogue``, ``build --dry-run``,
a config error) start no Prefect at all: their whole wall time is shown, as their own work.

Targets: ``build`` of the demo and ``resplit`` spend at most 3 s outside their own work;
``stats`` of the demo takes under 5 s. The load average (1 min) is printed next to each row:
on a shared machine, every figure grows with it.

    python benchmarks/cli.py [--quick] [--dataset DIR] [--repeat 2]

``--quick`` builds the demo without its assistant (nothing then overlaps the server's start);
``--dataset`` times ``resplit`` (on a copy), ``stats`` and ``export`` of an existing dataset
instead of building the demo first. ``--running-server`` also times ``resplit`` against a
Prefect server that is already running (``prefect server start``, as scheduled builds use, started
by this script and sent one resplit before the measured ones), through ``PREFECT_API_URL``.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path and would shadow ``distortions``.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

OVERHEAD_TARGET_S = 3.0
STATS_TARGET_S = 5.0


def run(args: list[str], home: Path, api: str | None = None) -> tuple[float, dict, float]:
    """``iqa-datagen *args`` in a fresh process (against the Prefect API ``api`` if given, else
    its own temporary server): (wall seconds, its --json summary or {}, 1-minute load average
    when it started)."""
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    if api:
        env["PREFECT_API_URL"] = api
    load = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "iqa_datagen.cli", *args], env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 2):
        raise SystemExit(f"iqa-datagen {' '.join(args)} failed ({proc.returncode}):\n"
                         f"{proc.stderr[-2000:]}")
    summary = {}
    if "--json" in args and proc.returncode == 0:
        summary = json.loads(proc.stdout.strip().splitlines()[-1])
    return wall, summary, load


@contextlib.contextmanager
def running_server(home: Path):
    """``prefect server start`` on a free port, until the block ends; yields its API URL."""
    from iqa_datagen.cli.orchestration import _free_port, _wait_healthy

    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host",
                               "127.0.0.1", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    try:
        _wait_healthy(server, api, 120)
        yield api
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def work_seconds(summary: dict) -> float:
    return sum((summary.get("step_seconds") or {}).values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="demo build without the assistant (no training to overlap)")
    parser.add_argument("--dataset", help="use this dataset instead of building the demo")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of each command after the build (default 2)")
    parser.add_argument("--running-server", action="store_true",
                        help="also time resplit against an already running Prefect server")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="iqa-bench-cli-"))
    home = root / "prefect-home"
    rows: list[tuple[str, float, float | None, float]] = []  # command, wall, work, load
    try:
        run(["catalogue"], home)  # warm the file cache once, unmeasured
        ds = root / "demo"
        if args.dataset:
            shutil.copytree(args.dataset, ds)
        else:
            build = ["build", "--out", str(ds), "--json", "--no-progress"]
            if args.quick:
                build += ["--assistant.enabled", "false"]
            wall, summary, load = run(build, home)
            rows.append((" ".join(build[:1] + (["(no assistant)"] if args.quick else [])),
                         wall, work_seconds(summary), load))
        for i in range(args.repeat):
            wall, summary, load = run(["resplit", str(ds), "--seed", str(100 + i), "--json",
                                       "--no-progress"], home)
            rows.append(("resplit", wall, work_seconds(summary), load))
        if args.running_server:
            with running_server(root / "server-home") as api:
                run(["resplit", str(ds), "--seed", "99", "--json"], home, api)  # unmeasured
                for i in range(args.repeat):
                    wall, summary, load = run(["resplit", str(ds), "--seed", str(200 + i),
                                               "--json", "--no-progress"], home, api)
                    rows.append(("resplit (running server)", wall, work_seconds(summary), load))
        for i in range(args.repeat):
            for label, command in (
                    ("stats", ["stats", str(ds)]),
                    ("export llava", ["export", str(ds), "--format", "llava", "--out",
                                      str(root / f"llava{i}")]),
                    ("catalogue", ["catalogue"]),
                    ("build --dry-run", ["build", "--dry-run"]),
                    ("build (config error)", ["build", "--tasks.identification", "-1"])):
                wall, _, load = run(command, home)
                rows.append((label, wall, None, load))
    finally:
        shutil.rmtree(root, ignore_errors=True)

    head = f"{'command':32s} {'wall s':>7s} {'work s':>7s} {'overhead s':>10s} {'load 1m':>8s}  target"
    print(f"command-line overhead, {len(os.sched_getaffinity(0))} cores available")
    print(head)
    print("-" * len(head))
    for label, wall, work, load in rows:
        if work is None:
            target = f"wall < {STATS_TARGET_S:.0f} s" if label == "stats" else ""
            met = "" if not target else (" met" if wall < STATS_TARGET_S else " NOT met")
            print(f"{label:32s} {wall:7.2f} {'-':>7s} {'-':>10s} {load:8.2f}  {target}{met}")
        else:
            over = wall - work
            met = "met" if over <= OVERHEAD_TARGET_S else "NOT met"
            print(f"{label:32s} {wall:7.2f} {work:7.2f} {over:10.2f} {load:8.2f}  "
                  f"overhead ≤ {OVERHEAD_TARGET_S:.0f} s {met}")
    print("-" * len(head))


if __name__ == "__main__":
    main()
