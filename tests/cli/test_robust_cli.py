"""The command line under bad input, concurrency and signals: one-line errors with documented
exit codes, validation before any Prefect server starts, a locked output folder, Ctrl-C."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from flowkit import fingerprint, tiny

# An API nobody serves: a command that contacts Prefect at all fails loudly with it set.
NO_PREFECT = "http://127.0.0.1:9/api"


def _run(*args: str, cwd: Path, api: str | None = NO_PREFECT, home: Path | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PREFECT_HOME": str(home or cwd / "prefect-home"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    if api:
        env["PREFECT_API_URL"] = api
    return subprocess.run([sys.executable, "-m", "iqa_datagen.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _one_line_error(proc: subprocess.CompletedProcess, code: int, *needles: str) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == code, proc.stderr
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_bad_output_and_references_are_refused_in_one_line_before_prefect(tmp_path):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "empty").mkdir()
    _one_line_error(_run("build", "--out", "afile", cwd=tmp_path), 2, "afile", "not a folder")
    _one_line_error(_run("build", "--out", "ds", "--references", "empty", cwd=tmp_path), 2,
                    "empty", "no image files")
    assert not (tmp_path / "ds").exists()  # refused before writing: no folder left behind
    _one_line_error(_run("build", "--out", "ds", "--references", "nowhere", cwd=tmp_path), 2,
                    "nowhere")
    _one_line_error(_run("build", "--tasks.identification", "-1", cwd=tmp_path), 2,
                    "tasks.identification")


def test_unknown_plugin_is_one_line_before_prefect(tmp_path):
    ds = tmp_path / "ds"
    ds.mkdir()
    (ds / "manifest.json").write_text("{}")
    t = time.monotonic()
    _one_line_error(_run("extend", "ds", "--plugin", "no_such_plugin_module", cwd=tmp_path), 2,
                    "no_such_plugin_module")
    assert time.monotonic() - t < 60


def test_mos_file_with_nan_or_a_missing_column_names_file_and_line(tmp_path):
    from fixtures_mos import make_generic_csv

    root = tmp_path / "mos"
    csv = make_generic_csv(root, [("a.png", "a_1.png", "nan", "true")])
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(tiny(mos=[{"kind": "csv", "root": str(csv)}])))
    _one_line_error(_run("build", "--config", "c.yaml", "--out", "ds", cwd=tmp_path), 2,
                    f"{csv}:2", "not finite")
    csv.write_text("reference,distorted\nx.png,y.png\n")
    _one_line_error(_run("build", "--config", "c.yaml", "--out", "ds", cwd=tmp_path), 2,
                    str(csv), "score")


def test_a_second_command_on_a_locked_folder_is_refused_naming_the_holder(tmp_path):
    from iqa_datagen.storage.lock import FolderBusy, folder_lock

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from iqa_datagen.storage.lock import folder_lock\n"
         "with folder_lock(sys.argv[1], 'build'):\n"
         "    print('held', flush=True); time.sleep(120)\n", str(tmp_path / "ds")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        line = _one_line_error(_run("build", "--out", "ds", "--references", "empty",
                                    cwd=tmp_path), 4, "ds", f"pid {holder.pid}",
                               socket.gethostname())
        assert "iqa-datagen build" in line
        # a second training into a folder in use would overwrite its checkpoints: refused too
        _one_line_error(_run("train-assistant", "--out", "ds", cwd=tmp_path), 4,
                        f"pid {holder.pid}")
        with pytest.raises(FolderBusy):
            with folder_lock(tmp_path / "ds", "resplit"):
                pass
    finally:
        holder.kill()
        holder.wait()
    # The holder died without unlocking: its lock is stale, and the next command takes it over.
    lock = tmp_path / "ds" / ".lock"
    assert json.loads(lock.read_text())["pid"] == holder.pid
    (tmp_path / "empty").mkdir()
    stale = _run("build", "--out", "ds", "--references", "empty", cwd=tmp_path)
    warning, error = stale.stderr.strip().splitlines()
    assert f"stale lock of pid {holder.pid}" in warning and "no image files" in error
    assert stale.returncode == 2
    with folder_lock(tmp_path / "ds"):
        with folder_lock(tmp_path / "ds"):  # re-entrant within a process
            assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert lock.read_text() == ""


def test_a_folder_without_a_finished_part_accepts_a_changed_config(tmp_path):
    from iqa_datagen.config import BuildConfig, ConfigError
    from iqa_datagen.pipeline.output import check_output, prepare_output
    from iqa_datagen.storage import write_part

    first = BuildConfig.model_validate(tiny())
    changed = BuildConfig.model_validate(tiny(seed=7))
    prepare_output(tmp_path / "ds", first, ["a"])  # a first build that then failed
    assert check_output(tmp_path / "ds", changed, ["a"]) == {}
    write_part(tmp_path / "ds", "shard-00000-x", [])
    with pytest.raises(ConfigError, match="another config.*seed"):
        check_output(tmp_path / "ds", changed, ["a"])


def test_orphan_temporary_files_are_removed_when_the_next_build_starts(tmp_path):
    """What a killed or disk-full write left under a temporary name goes at the next start;
    finished files stay."""
    from iqa_datagen.config import BuildConfig
    from iqa_datagen.pipeline.output import prepare_output
    from iqa_datagen.storage import write_part
    from iqa_datagen.storage.layout import temp_path_for

    config = BuildConfig.model_validate(tiny())
    out = prepare_output(tmp_path / "ds", config, ["a"])
    write_part(out, "shard-00000-x", [])
    kept = sorted(p for p in out.rglob("*") if p.is_file() and p.name != ".build.json")
    orphans = [temp_path_for(out / "data" / "train" / "x-00000.parquet"),
               temp_path_for(out / ".parts" / "shard-00001-y.json"), temp_path_for(out / "z")]
    for orphan in orphans:
        orphan.parent.mkdir(parents=True, exist_ok=True)
        orphan.write_bytes(b"half-written")
    prepare_output(out, config, ["a"])  # the next build starts
    assert not any(p.exists() for p in orphans)
    assert all(p.exists() for p in kept) and kept


@pytest.mark.usefixtures("prefect_server")
def test_disk_full_fails_at_once_in_one_line_without_retries(tmp_path, monkeypatch, capsys):
    from iqa_datagen.cli import main
    from iqa_datagen.pipeline import shard

    calls = []

    def full(self, *args, **kwargs):
        calls.append(1)
        path = tmp_path / "ds" / "data" / "x.parquet"
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(shard.ShardRunner, "run", full)
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(tiny(run={"shard_size": 8, "max_task_retries": 2})))
    code = main(["build", "--config", str(config), "--out", str(tmp_path / "ds"),
                 "--no-progress"])
    err = capsys.readouterr().err
    assert code == 5 and calls == [1], err
    assert "x.parquet: No space left on device" in err.strip().splitlines()[-1]


def test_exit_codes_are_documented_in_the_readme():
    from iqa_datagen.cli import EXIT_CODES

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme[readme.index("### Exit codes"):]
    for code in EXIT_CODES:
        assert f"| {code} |" in section, code


def _server_processes(home: Path) -> list[int]:
    import psutil

    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("PREFECT_HOME") == str(home) and "uvicorn" in " ".join(
                    proc.cmdline()):
                found.append(proc.pid)
        except psutil.Error:
            pass
    return found


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_build_stops_at_once_and_resumes_to_the_same_dataset(tmp_path, sig):
    """Ctrl-C sent to the whole process group, as a terminal does (SIGTERM: to the CLI alone):
    out within 5 s, exit 130/143, the temporary server gone; the rerun equals a clean build."""
    config = tmp_path / "c.yaml"
    # 32 one-reference shards on one worker: an idle machine must not finish them all between
    # the first marker and the signal, so the stop lands part-way through.
    config.write_text(yaml.safe_dump(tiny(references={"builtin_repeat": 4},
                                          run={"shard_size": 1, "workers": 1})))
    home = tmp_path / "home"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    args = [sys.executable, "-m", "iqa_datagen.cli", "build", "--config", str(config),
            "--no-progress"]
    proc = subprocess.Popen([*args, "--out", "stopped"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    parts = tmp_path / "stopped" / ".parts"
    deadline = time.monotonic() + 300
    while not list(parts.glob("shard-*.json")) and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()
    servers = _server_processes(home)
    assert servers  # the CLI's own temporary server
    sent = time.monotonic()
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - sent < 5
    assert proc.returncode == 128 + sig, err
    assert "interrupted; rerun the same command to resume" in err
    assert "Traceback" not in err, err
    time.sleep(0.5)
    assert not _server_processes(home)
    assert len(list(parts.glob("shard-*.json"))) < 32  # stopped part-way
    if sig != signal.SIGINT:
        return  # resuming is the same whatever stopped the run: checked once

    resumed = subprocess.run([*args, "--out", "stopped"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    clean = subprocess.run([*args, "--out", "clean"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=600)
    assert clean.returncode == 0, clean.stderr
    assert fingerprint(tmp_path / "stopped") == fingerprint(tmp_path / "clean")


def test_build_help_describes_every_field_and_write_config_comments_them(tmp_path, capsys):
    from iqa_datagen.cli import main
    from iqa_datagen.cli.build import _scalar_fields
    from iqa_datagen.config import BuildConfig, load_config

    with pytest.raises(SystemExit):
        main(["build", "--help"])
    text = capsys.readouterr().out
    for bad in ("<class", "PydanticUndefined", "Optional[", "typing.", "NoneType"):
        assert bad not in text, bad
    for dotted, info in _scalar_fields(BuildConfig):
        assert info.description, dotted
        assert f"--{dotted}" in text
    assert "--tasks.rating_source {mix,library,assistant}" in text
    assert "--references.short_side INT" in text and "(default: 224)" in text

    out = tmp_path / "c.yaml"
    assert main(["build", "--write-config", str(out), "--tasks.identification", "6"]) == 0
    written = out.read_text()
    assert "# resize references so the short side is at most this (px)" in written
    assert "# Where reference images come from" in written
    config = load_config(str(out))
    assert config.tasks.identification == 6
    assert config == load_config(None, {"tasks.identification": 6})


def test_config_mismatch_is_one_line_before_prefect(tmp_path):
    from iqa_datagen.config import BuildConfig
    from iqa_datagen.pipeline.output import prepare_output
    from iqa_datagen.storage import write_part

    ds = tmp_path / "ds"
    prepare_output(ds, BuildConfig(), ["a"])
    write_part(ds, "shard-00000-x", [])  # a finished part: the folder holds a dataset
    _one_line_error(_run("build", "--out", "ds", "--seed", "5", cwd=tmp_path), 2,
                    "another config", "seed", "--overwrite")
