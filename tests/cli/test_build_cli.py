"""The build from the command line: LLM builds killed and resumed, summaries, exports, bad input
(quarantine, clear errors), MOS sources. Real processes, real HTTP, real Prefect runs."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from PIL import Image

from flowkit import file_digests, fingerprint, tiny
from fixtures_images import bomb_png

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]
SECRET = "sk-test-" + secrets.token_hex(12)  # made at run time, never a literal


def _write_config(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config))
    return path


def _cli(*args: str) -> tuple[int, str]:
    """Run the CLI in this process; (exit code, stdout)."""
    import contextlib
    import io

    from iqa_datagen.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(list(args))
    return code, buf.getvalue()


def _llm_config() -> dict:
    return tiny(llm={"mode": "on", "model": "fake-model", "concurrency": 4},
                expansion={"mode": "llm"}, run={"shard_size": 2, "workers": 1})


def _spawn_build(config: Path, out: Path, server, home: Path) -> subprocess.Popen:
    env = {**os.environ, "OPENAI_API_KEY": SECRET, "OPENAI_BASE_URL": server.base_url,
           "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           # the temporary server's 20 s start-up limit is too short on a busy CI machine
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
    env.pop("PREFECT_API_URL", None)
    return subprocess.Popen([sys.executable, "-m", "iqa_datagen.cli", "build", "--config",
                             str(config), "--out", str(out), "--no-progress"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)


def test_killed_llm_build_resumes_to_the_same_dataset_without_repeating_calls(tmp_path,
                                                                              monkeypatch):
    from iqa_datagen.flows import build_dataset
    from iqa_datagen.testing.fake_openai import FakeOpenAIServer

    config = _llm_config()
    cfg_path = _write_config(tmp_path / "llm.yaml", config)
    with FakeOpenAIServer(latency=0.05, api_key=SECRET) as server:
        # Uninterrupted reference build, in this process.
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        full = tmp_path / "full"
        summary = build_dataset(out=str(full), config=config)
        full_requests = server.counts.get("chat.completions", 0)
        assert full_requests > 0 and summary["llm_requests"] == full_requests
        assert summary["tokens"]["prompt"] > 0
        provs = {row["provenance"]["generator"] for p in (full / "data").rglob("*.parquet")
                 for row in pq.read_table(p, columns=["provenance"]).to_pylist()}
        assert any(g.startswith("llm:") for g in provs), provs

        # The same build again: zero requests, identical files.
        before = file_digests(full)
        server.reset_counts()
        again = build_dataset(out=str(full), config=config)
        assert server.counts.get("chat.completions", 0) == 0 and again["shards_resumed"] == 4
        assert file_digests(full) == before

        # A build killed (SIGKILL) after its first shard, then started again.
        server.reset_counts()
        killed = tmp_path / "killed"
        proc = _spawn_build(cfg_path, killed, server, tmp_path / "home1")
        parts = killed / ".parts"
        deadline = time.monotonic() + 180
        while (not list(parts.glob("shard-00000-*.json")) and proc.poll() is None
               and time.monotonic() < deadline):
            time.sleep(0.05)
        assert proc.poll() is None, proc.stdout.read().decode()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        first = server.counts.get("chat.completions", 0)
        assert 0 < first < full_requests
        resumed = _spawn_build(cfg_path, killed, server, tmp_path / "home2")
        log = resumed.communicate(timeout=300)[0].decode()
        assert resumed.returncode == 0, log
        total = server.counts.get("chat.completions", 0)
        assert total <= full_requests + config["llm"]["concurrency"]  # at most those in flight
        assert fingerprint(killed) == fingerprint(full)

    # The key is in no file of either dataset, of the Prefect homes (database, logs) of the
    # two CLI runs, and in no line of the resumed run's output.
    for folder in (full, killed, tmp_path / "home1", tmp_path / "home2"):
        for path in folder.rglob("*"):
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in log


def test_cli_build_prints_a_json_summary_then_stats_and_exports_read_it(tmp_path):
    cfg = _write_config(tmp_path / "tiny.yaml", tiny())
    out = tmp_path / "ds"
    code, stdout = _cli("build", "--config", str(cfg), "--out", str(out), "--json",
                        "--no-progress", "--tasks.identification", "3")
    assert code == 0
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary["records"]["distortion_identification"] > 0
    assert summary["rows"]["rows"] == summary["records_total"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["tasks"]["identification"] == 3

    code, stdout = _cli("stats", str(out), "--verify", "--json")
    stats = json.loads(stdout.strip().splitlines()[-1])
    assert code == 0 and stats["verify"]["ok"] and stats["totals"]["rows"] == summary["records_total"]

    c = stats["consistency"]  # the offline writer never contradicts its own description
    assert c["checked"] > 0 and c["contradicting"] == 0

    code, stdout = _cli("stats", str(out), "--verify", "--consistency")
    assert code == 0 and "checksums: ok" in stdout
    assert "mean words  assessment_reasoning" in stdout
    assert f"consistency: 0 of {c['checked']} detailed reasoning records" in stdout

    code, _ = _cli("export", str(out), "--format", "depictqa", "--out", str(tmp_path / "dq"))
    assert code == 0
    files = list((tmp_path / "dq").glob("*/*.json"))  # {split}/{task}_{setting}.json
    items = [item for f in files for item in json.loads(f.read_text())]
    assert len(items) == summary["records_total"]
    with_images = [i for i in items if i.get("stage") != "inference"]  # inference: text only
    assert {"id", "image_ref", "image_A", "image_B", "conversations", "task_type"} <= set(
        with_images[0])
    assert all((tmp_path / "dq" / i["image_A"]).is_file() for i in with_images)

    # A data file that no longer matches the manifest (rewritten, still readable) fails the
    # check: exit 2, with a line naming it
    import pyarrow.parquet as pq

    data_file = sorted((out / "data").rglob("*.parquet"))[0]
    pq.write_table(pq.read_table(data_file), data_file, compression="gzip")
    code, stdout = _cli("stats", str(out), "--verify")
    assert code == 2 and "sha256 differs" in stdout


@pytest.mark.parametrize("args, message", [
    (["--tasks.identification", "-1"], "tasks.identification"),
    (["--references", "/nonexistent/refs"], "/nonexistent/refs"),
    (["--plugins", "no_such_module_xyz"], "no_such_module_xyz"),
])
def test_cli_build_errors_name_the_input(tmp_path, capsys, args, message):
    code, _ = _cli("build", "--out", str(tmp_path / "ds"), "--no-progress", *args)
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_resplit_of_a_folder_that_is_no_dataset_is_a_clear_error(tmp_path, capsys):
    code, _ = _cli("resplit", str(tmp_path), "--seed", "3")
    assert code == 2 and "no manifest.json" in capsys.readouterr().err


def _save(path: Path, image: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path)
    return path


def test_bad_images_are_quarantined_and_the_build_goes_on(tmp_path):
    from iqa_datagen.distortions.images import builtin_reference, resize_short_side
    from iqa_datagen.flows import build_dataset

    refs = tmp_path / "refs"
    for name in ("coffee", "chelsea", "rocket"):
        _save(refs / f"{name}.png", resize_short_side(builtin_reference(name), 64))
    good = (refs / "rocket.png").read_bytes()
    (refs / "truncated.png").write_bytes(good[: len(good) // 3])
    (refs / "notes.jpg").write_text("not an image")
    _save(refs / "tiny.png", np.zeros((10, 12, 3), np.uint8))
    bomb_png(refs / "bomb.png")
    (refs / "loop.png").symlink_to("loop.png")
    (refs / "sub").mkdir()
    (refs / "sub" / "up").symlink_to("..")

    summary = build_dataset(out=str(tmp_path / "ds"), config=tiny(references={
        "folder": str(refs), "short_side": 64}))
    bad = {Path(q["source"]).name: q["reason"] for q in summary["quarantined"]}
    assert set(bad) == {"truncated.png", "notes.jpg", "tiny.png", "bomb.png", "loop.png", "up"}
    assert all(bad.values())
    assert "32" in bad["tiny.png"]
    assert "too large" in bad["bomb.png"] and "symlink loop" in bad["loop.png"]
    names = {row["provenance"]["reference_name"]
             for p in (tmp_path / "ds" / "data").rglob("*.parquet")
             for row in pq.read_table(p, columns=["provenance"]).to_pylist()}
    assert names == {"coffee.png", "chelsea.png", "rocket.png"}
    listed = [json.loads(line) for f in (tmp_path / "ds" / "quarantine").glob("*.jsonl")
              for line in f.read_text().splitlines()]
    assert {Path(q["source"]).name for q in listed} == set(bad)


def test_mos_source_gives_human_rated_instant_rating_records(tmp_path):
    from iqa_datagen.distortions.images import builtin_reference, resize_short_side
    from iqa_datagen.flows import build_dataset

    root = tmp_path / "mos"
    rows = []
    for name in ("coffee", "chelsea", "astronaut"):
        ref = resize_short_side(builtin_reference(name), 48)
        _save(root / "refs" / f"{name}.png", ref)
        for k, score in enumerate((4.5, 3.0, 1.5)):
            noisy = np.clip(ref.astype(int) + (k + 1) * 20 * (np.indices(ref.shape).sum(0) % 2),
                            0, 255).astype(np.uint8)
            _save(root / "dist" / f"{name}_{k}.png", noisy)
            rows.append(f"refs/{name}.png,dist/{name}_{k}.png,{score},true")
    (root / "mos.csv").write_text("reference,distorted,score,higher_is_better\n"
                                  + "\n".join(rows) + "\n")
    config = tiny(mos=[{"kind": "csv", "root": str(root), "rating_protocol": "ACR",
                             "raters": 12}],
                  references={"limit": 2, "short_side": 64})
    summary = build_dataset(out=str(tmp_path / "ds"), config=config)
    rating = [row for p in (tmp_path / "ds" / "data").rglob("*.parquet")
              for row in pq.read_table(p).to_pylist() if row["task"] == "instant_rating"]
    assert rating and all(r["verdict"]["source"] == "mos:mos" for r in rating)
    assert len(rating) == 2 * 9  # 3 pairs per reference × 3 references × both settings
    for r in rating:  # the judgements' protocol and the files, relative to the MOS root
        ctx = r["context"]
        assert ctx["rating"] == {"protocol": "ACR", "raters": 12,
                                 "scale": "score as given in the CSV", "higher_is_better": True,
                                 "notes": None}
        assert ctx["source"] == "mos:mos" and ctx["path"].startswith("refs/")
        assert [p.split("/")[0] for p in ctx["distorted_paths"]] == ["dist", "dist"]
        assert r["sample_key"].endswith(":".join(ctx["distorted_paths"]))
        assert min(ctx["width"], ctx["height"]) == 48 and ctx["processing"]["short_side"] == 64
        assert not ctx["processing"]["resized"]  # 48 px is under the short side: kept
    for r in rating:
        winner = r["verdict"]["winner"]
        a, b = (float(x.split("=")[1].rstrip(",")) for x in
                r["provenance"]["notes"].split(" (")[0].split()[2:4])
        assert (a > b) == (winner == "A")
        assert r["response"].endswith(f"Image {winner}") or f"Image {winner}" in r["response"]
    groups = {}
    for r in rating:
        groups.setdefault(r["reference_group"], set()).add(r["split"])
    assert all(len(s) == 1 for s in groups.values())
    assert summary["records"]["instant_rating"] == len(rating)


def test_a_changed_reference_folder_is_rebuilt_not_resumed_stale(tmp_path):
    from iqa_datagen.distortions.images import builtin_reference, resize_short_side
    from iqa_datagen.flows import build_dataset

    refs = tmp_path / "refs"
    for name in ("coffee", "chelsea", "rocket", "astronaut"):
        _save(refs / f"{name}.png", resize_short_side(builtin_reference(name), 64))
    config = tiny(references={"folder": str(refs), "short_side": 64}, run={"shard_size": 1})
    out = tmp_path / "ds"
    build_dataset(out=str(out), config=config)
    (refs / "rocket.png").unlink()  # removed
    _save(refs / "coffee.png", resize_short_side(builtin_reference("hubble_deep_field"), 64))
    summary = build_dataset(out=str(out), config=config)
    assert summary["shards"] == 3 and summary["shards_resumed"] < 3
    fresh = tmp_path / "fresh"
    build_dataset(out=str(fresh), config=config)
    assert fingerprint(out) == fingerprint(fresh)
    names = {row["provenance"]["reference_name"] for p in (out / "data").rglob("*.parquet")
             for row in pq.read_table(p, columns=["provenance"]).to_pylist()}
    assert names == {"coffee.png", "chelsea.png", "astronaut.png"}


def test_cli_resplit_extend_and_train_assistant_print_their_summaries(tmp_path):
    cfg = _write_config(tmp_path / "tiny.yaml", tiny())
    out = tmp_path / "ds"
    assert _cli("build", "--config", str(cfg), "--out", str(out), "--no-progress")[0] == 0

    code, stdout = _cli("resplit", str(out), "--seed", "5", "--no-progress")
    assert code == 0 and "resplit: done" in stdout and "moved" in stdout
    code, stdout = _cli("extend", str(out), "--plugin", "iqa_test_plugin", "--no-progress",
                        "--names", "noise_sparkle")
    assert code == 0 and "extend: done" in stdout and "total" in stdout
    code, _ = _cli("extend", str(out), "--names", "blur_gaussian")
    assert code == 2  # already in the dataset

    code, stdout = _cli("train-assistant", "--data", str(out), "--out", str(tmp_path / "a"),
                        "--distortions", "blur_gaussian,noise_gaussian_rgb", "--epochs", "1",
                        "--pairs-per-reference", "4")
    assert code == 0 and "held-out references" in stdout and "panel unanimous" in stdout
    code, stdout = _cli("train-assistant", "--data", str(out), "--out", str(tmp_path / "a"),
                        "--distortions", "blur_gaussian,noise_gaussian_rgb", "--epochs", "1",
                        "--pairs-per-reference", "4", "--json")
    metrics = json.loads(stdout.strip().splitlines()[-1])
    assert code == 0 and "test" in metrics["evaluation"]
    assert "cross_unanimous_visible" in metrics["evaluation"]["test"]
    code, stdout = _cli("train-assistant", "--data", str(out), "--out", str(tmp_path / "nr"),
                        "--setting", "no_reference", "--distortions",
                        "blur_gaussian,noise_gaussian_rgb", "--epochs", "1",
                        "--pairs-per-reference", "4")
    assert code == 0 and "no-reference visible" in stdout, stdout
