"""End-to-end build throughput and peak memory; prints a table of samples/s and peak RSS.

Runs the plain pipeline functions (no Prefect server): ``discover`` / ``make_shards`` over the
built-in references (``references.builtin_repeat`` copies of the 8 skimage demo images, each copy a
distinct variant), then ``ShardRunner`` over the shards in a pool of worker processes, each worker
keeping one runner for all its shards — what a build does on a machine with that many cores.
Every measurement runs in a fresh ``python benchmarks/build.py --child ...`` process so that
imports, caches and peak RSS never mix between rows.

Throughput rows (``--repeat`` copies, ``--workers`` processes each):

* ``brief``: the templated records only (``distortion_identification`` and ``instant_rating``,
  both settings): ``tasks.assessment=0``, ``tasks.comparison=0``, ``expansion.mode=off``.
* ``full``: the default task mix (detailed assessment / comparison from the offline writer,
  comparison verdicts from the SSIM fallback since the assistant is disabled, GT expansion k=3),
  then the manifest and dataset card (``finalize``).

``brief/s`` and ``records/s`` count from the moment the workers are ready (imported and warmed
on one reference) until the last shard is written; start-up (process spawn, imports, warm-up) is
its own column and is included in ``e2e brief/s``; ``finalize`` is timed on its own line.
Peak RSS rows: full builds of 1×, 4×, 16× the references with a small
``run.shard_size`` (many shards at 16×, as in real builds); the peak is per process (the largest
of the build's processes, from ``wait4`` on the child, which covers its workers), with the sum of
the main and worker peaks beside it. Optionally (``--assistant-rss``) one more 1× build trains
and uses the assistant. Outputs go to a temporary folder, removed afterwards.

Targets: ≥ 150 brief samples/s (steady, ``brief/s``) on 2 cores at short side 224; peak RSS of
all processes together < 2 GB, and flat as the input grows (the per-process peak at 16× within
25 % of 1×).

    python benchmarks/build.py [--repeat 8] [--workers 1 2] [--short-side 224] [--quick]
                               [--rss-repeats 1 4 16] [--shard-size 8] [--assistant-rss]
                               [--profile]
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path and would shadow ``distortions``.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy / OpenCV / torch load their pools

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

BRIEF_TASKS = ("distortion_identification", "instant_rating")
TARGET_BRIEF_PER_S = 150.0
TARGET_BRIEF_WORKERS = 2
TARGET_RSS_MB = 2048.0
TARGET_RSS_GROWTH = 1.25  # peak at the largest input ≤ this × the peak at the smallest

BASE = {"llm.mode": "off", "assistant.enabled": False}
BRIEF = {**BASE, "tasks.assessment": 0, "tasks.comparison": 0, "expansion.mode": "off"}
FULL = dict(BASE)


# -- inside a child process --------------------------------------------------------------------

def _vm_hwm_mb(pid: int | str = "self") -> float:
    """A process's peak resident set size (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _limit_threads() -> None:
    import cv2

    cv2.setNumThreads(1)
    torch = sys.modules.get("torch")  # never imported here only for this (~100 MB of RSS)
    if torch is not None:
        torch.set_num_threads(1)


_RUNNER = None  # one ShardRunner per worker process, reused for all its shards


def _worker_init(config_json: dict, out: str, checkpoint, scratch: str, ready) -> None:
    """Build the worker's runner and warm it on one reference (imports, codecs, first-call
    caches) in a scratch folder, then say so on the ``ready`` semaphore."""
    global _RUNNER
    _limit_threads()
    from iqa_datagen.config import BuildConfig
    from iqa_datagen.pipeline.references import Shard, discover
    from iqa_datagen.pipeline.shard import ShardRunner

    cfg = BuildConfig.model_validate(config_json)
    verdicter = None
    if checkpoint:
        from iqa_datagen.pipeline.assistant_step import verdicter_from

        verdicter = verdicter_from(checkpoint, cfg.assistant.device)
    with ShardRunner(cfg, scratch, verdicter) as warm:
        warm.run(Shard(0, tuple(discover(cfg)[:1])), part=f"shard-warm{os.getpid()}")
    _RUNNER = ShardRunner(cfg, out, verdicter)
    ready.release()


def _worker_run(shard) -> dict:
    return {"report": _RUNNER.run(shard).to_dict(), "pid": os.getpid()}


def _noop() -> int:
    return os.getpid()


def child(spec: dict) -> dict:
    """One build as ``spec`` says; returns counts, timings and peak RSS of every process."""
    import multiprocessing as mp
    import resource
    from concurrent.futures import ProcessPoolExecutor

    _limit_threads()
    from iqa_datagen.config import load_config
    from iqa_datagen.pipeline.references import discover, make_shards

    cfg = load_config(None, spec["overrides"])
    workers = spec["workers"]
    root = Path(tempfile.mkdtemp(prefix="iqa-bench-"))
    out, scratch = root / "out", root / "scratch"
    result: dict = {"workers": workers}
    try:
        started = time.perf_counter()
        checkpoint = None
        if cfg.assistant.enabled and cfg.tasks.comparison > 0:
            from iqa_datagen.pipeline.assistant_step import train_for_build

            t = time.perf_counter()
            checkpoint = train_for_build(cfg, discover(cfg), out)["checkpoint"]
            result["train_s"] = time.perf_counter() - t
        ctx = mp.get_context("spawn")  # a clean interpreter per worker, as a real pool has
        ready_sem = ctx.Semaphore(0)
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init,
                                 initargs=(cfg.model_dump(mode="json"), str(out), checkpoint,
                                           str(scratch), ready_sem)) as pool:
            # with spawn, workers start on demand (one per submit while none is idle): one probe
            # each starts them all, then wait until every worker is warm
            probes = [pool.submit(_noop) for _ in range(workers)]
            for _ in range(workers):
                while not ready_sem.acquire(timeout=1.0):
                    failed = [p for p in probes if p.done() and p.exception() is not None]
                    if failed:
                        raise RuntimeError("a worker failed to start") from failed[0].exception()
            ready = time.perf_counter()
            # the measured build: plan (names only), then every shard on the pool
            shards = make_shards(discover(cfg), cfg.run.shard_size)
            done = [f.result() for f in [pool.submit(_worker_run, s) for s in shards]]
            built = time.perf_counter()
            # every worker's peak, idle ones included (read before the pool shuts down; the
            # executor has no public list of its processes)
            workers_hwm = {pid: _vm_hwm_mb(pid) for pid in list(pool._processes)}
        main_build_hwm = _vm_hwm_mb()
        records: dict[str, int] = {}
        for d in done:
            for task, n in d["report"]["records"].items():
                records[task] = records.get(task, 0) + n
        if spec.get("finalize"):
            from iqa_datagen.pipeline.output import finalize, summarize
            from iqa_datagen.pipeline.shard import ShardReport

            summary = summarize([ShardReport.from_dict(d["report"]) for d in done], cfg)
            finalize(out, cfg, summary, {})
        finished = time.perf_counter()
        result.update(
            references=sum(len(s.references) for s in shards), shards=len(shards),
            records=records, startup_s=ready - started, build_s=built - ready,
            finalize_s=finished - built, total_s=finished - started,
            main_hwm_mb=_vm_hwm_mb(), main_build_hwm_mb=main_build_hwm,
            workers_hwm_mb=sorted(workers_hwm.values()),
            children_maxrss_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0,
            out_mb=sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return result


# -- in the parent -----------------------------------------------------------------------------

def run_child(spec: dict) -> dict:
    """Run ``spec`` in a fresh interpreter; adds the largest RSS of its process tree (wait4)."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    stdout = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed (exit {proc.returncode}): {spec}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["tree_maxrss_mb"] = usage.ru_maxrss / 1024.0  # Linux: KiB, max over the tree
    return result


def brief_count(result: dict) -> int:
    return sum(result["records"].get(t, 0) for t in BRIEF_TASKS)


def profile_brief(overrides: dict) -> None:
    """cProfile one process building the brief records of ``overrides`` (after a warm-up)."""
    import cProfile
    import pstats

    _limit_threads()
    from iqa_datagen.config import load_config
    from iqa_datagen.pipeline.references import Shard, discover, make_shards
    from iqa_datagen.pipeline.shard import ShardRunner

    cfg = load_config(None, overrides)
    refs = discover(cfg)
    root = Path(tempfile.mkdtemp(prefix="iqa-bench-prof-"))
    try:
        with ShardRunner(cfg, root / "warm") as warm:
            warm.run(Shard(0, tuple(refs[:1])))
        prof = cProfile.Profile()
        start = time.perf_counter()
        prof.enable()
        with ShardRunner(cfg, root / "out") as runner:
            reports = [runner.run(s) for s in make_shards(refs, cfg.run.shard_size)]
        prof.disable()
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(root, ignore_errors=True)
    n = sum(sum(r.records.values()) for r in reports)
    print(f"\nprofile: brief build, 1 process, {len(refs)} references, {n} records, "
          f"{seconds:.2f} s ({n / seconds:.0f} records/s, profiler overhead included)")
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(18)
    stats.sort_stats("cumulative").print_stats(30)


def print_head(head: str) -> None:
    """A table heading and its rule."""
    print(head)
    print("-" * len(head))


def throughput_table(args, common: dict, cores: int) -> dict[int, float]:
    """Brief and full-mix rows for each worker count; returns brief samples/s by workers."""
    print(f"build throughput, short side {args.short_side}, {cores} cores available, "
          f"shard size {args.shard_size}, offline writers, assistant off (SSIM verdicts)")
    head = (f"{'mix':6s} {'procs':>5s} {'refs':>5s} {'brief':>6s} {'records':>8s} "
            f"{'start s':>8s} {'build s':>8s} {'brief/s':>8s} {'records/s':>10s} "
            f"{'e2e brief/s':>12s} {'peak MB/proc':>13s}")
    print_head(head)
    brief_rates: dict[int, float] = {}
    for mix, overrides in (("brief", BRIEF), ("full", FULL)):
        for workers in args.workers:
            spec = {"overrides": {**overrides, **common, "references.builtin_repeat": args.repeat},
                    "workers": workers, "finalize": mix == "full"}
            r = run_child(spec)
            nb, nt = brief_count(r), sum(r["records"].values())
            if mix == "brief":
                brief_rates[workers] = nb / r["build_s"]
            e2e = nb / (r["startup_s"] + r["build_s"])
            print(f"{mix:6s} {workers:5d} {r['references']:5d} {nb:6d} {nt:8d} "
                  f"{r['startup_s']:8.2f} {r['build_s']:8.2f} {nb / r['build_s']:8.0f} "
                  f"{nt / r['build_s']:10.0f} {e2e:12.0f} {r['tree_maxrss_mb']:13.0f}")
            if mix == "full":
                print(f"{'':6s} {'':5s} finalize (manifest + card) {r['finalize_s']:.2f} s; "
                      f"records by task: " + ", ".join(f"{k} {v}" for k, v in
                                                       sorted(r["records"].items())))
    print("-" * len(head))
    return brief_rates


def rss_table(args, common: dict) -> list[tuple[float, float]]:
    """Peak-RSS rows of full builds as the input grows; returns (per-process, sum) MB rows."""
    workers = TARGET_BRIEF_WORKERS if TARGET_BRIEF_WORKERS in args.workers else max(args.workers)
    print(f"\npeak RSS of full builds (default tasks, offline writers, finalize included), "
          f"{workers} worker processes, shard size {args.shard_size}")
    head = (f"{'input':14s} {'refs':>5s} {'shards':>6s} {'records':>8s} {'total s':>8s} "
            f"{'main MB build/fin':>17s} {'workers MB':>14s} {'peak MB/proc':>13s} {'sum MB':>8s} "
            f"{'output MB':>10s}")
    print_head(head)
    cases = [(f"{rep}× refs", {**FULL, "references.builtin_repeat": rep}) for rep in
             args.rss_repeats]
    if args.assistant_rss:
        cases.append(("1× +assistant", {**FULL, "assistant.enabled": True,
                                        "references.builtin_repeat": 1}))
    rss_rows = []
    for label, overrides in cases:
        r = run_child({"overrides": {**overrides, **common}, "workers": workers,
                       "finalize": True})
        total_mb = r["main_hwm_mb"] + sum(r["workers_hwm_mb"])
        wk = "/".join(f"{m:.0f}" for m in r["workers_hwm_mb"])
        print(f"{label:14s} {r['references']:5d} {r['shards']:6d} "
              f"{sum(r['records'].values()):8d} {r['total_s']:8.1f} "
              f"{r['main_build_hwm_mb']:8.0f}/{r['main_hwm_mb']:<8.0f} "
              f"{wk:>14s} {r['tree_maxrss_mb']:13.0f} {total_mb:8.0f} {r['out_mb']:10.1f}"
              + (f"  (training {r['train_s']:.1f} s)" if "train_s" in r else ""))
        if "+assistant" not in label:
            rss_rows.append((r["tree_maxrss_mb"], total_mb))
    print("-" * len(head))
    return rss_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=8,
                        help="builtin_repeat of the throughput rows (8 images each)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--short-side", type=int, default=224)
    parser.add_argument("--shard-size", type=int, default=8, help="run.shard_size (references)")
    parser.add_argument("--rss-repeats", type=int, nargs="*", default=[1, 4, 16])
    parser.add_argument("--assistant-rss", action="store_true",
                        help="also a 1× full build that trains and uses the assistant (~30 s)")
    parser.add_argument("--profile", action="store_true",
                        help="then cProfile a one-process brief build and print the top functions")
    parser.add_argument("--quick", action="store_true",
                        help="smaller inputs: --repeat 2, --rss-repeats 1 4")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    if args.quick:
        args.repeat, args.rss_repeats = min(args.repeat, 2), [r for r in args.rss_repeats if r <= 4]

    common = {"references.short_side": args.short_side, "run.shard_size": args.shard_size}
    cores = len(os.sched_getaffinity(0))
    brief_rates = throughput_table(args, common, cores)
    rss_rows = rss_table(args, common) if args.rss_repeats else []

    print()
    if TARGET_BRIEF_WORKERS in brief_rates:
        rate = brief_rates[TARGET_BRIEF_WORKERS]
        ok = rate >= TARGET_BRIEF_PER_S and cores >= TARGET_BRIEF_WORKERS
        print(f"target brief ≥ {TARGET_BRIEF_PER_S:.0f} samples/s on {TARGET_BRIEF_WORKERS} cores "
              f"(short side {args.short_side}): {rate:.0f}/s — {'met' if ok else 'NOT met'}")
    if rss_rows:
        # the sum can undercount small inputs (a worker with no shard stays small), so flatness
        # is judged on the per-process peak, the 2 GB bound on all processes together
        peak_sum = max(s for _, s in rss_rows)
        growth = rss_rows[-1][0] / rss_rows[0][0]
        ok = peak_sum < TARGET_RSS_MB and growth <= TARGET_RSS_GROWTH
        print(f"target peak RSS < {TARGET_RSS_MB:.0f} MB (all processes together) and flat "
              f"(per-process peak at the largest input ≤ {TARGET_RSS_GROWTH:.2f}× the smallest): "
              f"{peak_sum:.0f} MB, {growth:.2f}× — {'met' if ok else 'NOT met'}")

    if args.profile:
        profile_brief({**BRIEF, **common, "references.builtin_repeat": args.repeat})


if __name__ == "__main__":
    main()
