"""The LLM stage inside a build: never used unless asked, outages stop the build with the cause
and leave it resumable, a rerun fills exactly the missing samples, dry runs write nothing.
Real Prefect runs, real HTTP to the local fake OpenAI server."""

from __future__ import annotations

import contextlib
import io
import json
import secrets
import socket
import time
from pathlib import Path

import pytest

from flowkit import fingerprint, tiny

pytestmark = pytest.mark.usefixtures("prefect_server")
SECRET = "sk-test-" + secrets.token_hex(12)  # made at run time, never a literal


def _cli(*args: str) -> tuple[int, str]:
    from iqa_datagen.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(list(args))
    return code, buf.getvalue()


def _closed_port_url() -> str:
    with socket.socket() as sock:  # bound then closed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def _llm(**llm) -> dict:
    return tiny(llm={"mode": "on", "model": "fake-model", "concurrency": 2, "max_retries": 0,
                     **llm},
                expansion={"mode": "llm"}, run={"shard_size": 2, "workers": 1})


def _parts(out: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((out / ".parts").glob("*.json"))]


def test_key_in_the_shell_and_default_config_send_nothing(tmp_path, monkeypatch):
    from iqa_datagen.flows import build_dataset
    from iqa_datagen.testing import FakeOpenAIServer

    config = tiny()
    del config["llm"]  # the default: no LLM unless asked
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    without = build_dataset(out=str(tmp_path / "without"), config=config)
    with FakeOpenAIServer(api_key=SECRET) as server:
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        with_key = build_dataset(out=str(tmp_path / "with"), config=config)
        assert server.counts.get("total", 0) == 0 and server.counts.get("unauthorized", 0) == 0
    assert fingerprint(tmp_path / "with") == fingerprint(tmp_path / "without")
    assert with_key["writers"] == without["writers"] and with_key["failed"] == 0
    assert not any(w.startswith("llm") for w in with_key["writers"])


def test_llm_on_with_nothing_listening_fails_fast_naming_the_cause(tmp_path, monkeypatch,
                                                                   capsys):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", _closed_port_url())
    started = time.monotonic()
    code, _ = _cli("build", "--out", str(tmp_path / "ds"), "--no-progress", "--llm.mode", "on")
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 6 and elapsed < 60, (code, elapsed, err)
    line = [ln for ln in err.splitlines() if ln.startswith("iqa-datagen build: error:")]
    assert len(line) == 1 and "connection error" in line[0].lower(), err
    assert "LLM: " in err and "requests" in err  # the estimate came first
    assert SECRET not in err
    assert not (tmp_path / "ds" / "data").exists()


def test_rerun_after_an_outage_fills_exactly_the_missing_samples(tmp_path, monkeypatch):
    from iqa_datagen.flows import build_dataset
    from iqa_datagen.pipeline.output import BuildIncomplete, read_rejects
    from iqa_datagen.testing import FakeOpenAIServer

    config = _llm()
    with FakeOpenAIServer(api_key=SECRET) as server:
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        full = build_dataset(out=str(tmp_path / "full"), config=config)
        uninterrupted = server.counts["chat.completions"]
        assert full["failed"] == 0 and full["writers"]["llm:fake-model"] > 0

        server.reset_counts()
        server.script(["500", "500"])  # two requests get no reply: transport, not merits
        out = tmp_path / "outage"
        with pytest.raises(BuildIncomplete, match="2 sample"):
            build_dataset(out=str(out), config=config)
        first = server.counts["chat.completions"]
        missing = [m for p in _parts(out) for m in p["meta"]["report"]["missing"]]
        assert len(missing) == 2 and all("HTTP 500" in m["error"] for m in missing)
        # A transport failure is not a reject: the rejects are those of the full build (on
        # their merits) minus the samples that went missing.
        keys = {m["key"] for m in missing}
        assert not keys & {r["key"] for r in read_rejects(out)}
        assert {r["key"] for r in read_rejects(out)} <= {r["key"] for r in
                                                          read_rejects(tmp_path / "full")}

        server.reset_counts()
        again = build_dataset(out=str(out), config=config)
        rerun = server.counts["chat.completions"]
        assert again["failed"] == 0 and again["shards_resumed"] == full["shards"] - 1
        assert rerun == uninterrupted - (first - 2)  # exactly what was missing, nothing twice
        assert not [m for p in _parts(out) for m in p["meta"]["report"]["missing"]]
    assert fingerprint(out) == fingerprint(tmp_path / "full")
    assert read_rejects(out) == read_rejects(tmp_path / "full")


def test_plain_python_build_checks_the_server_first_and_fails_on_missing_samples(
        tmp_path, monkeypatch, capsys):
    """``pipeline.build`` (no Prefect) behaves as the flow and the CLI: the estimate and a
    server check before any request, and a loud failure when samples are missing."""
    from iqa_datagen.generators.llm import LLMUnavailable
    from iqa_datagen.pipeline import build
    from iqa_datagen.pipeline.output import BuildIncomplete
    from iqa_datagen.testing import FakeOpenAIServer

    with FakeOpenAIServer(api_key=SECRET) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", SECRET + "-wrong")
        with pytest.raises(LLMUnavailable, match="cannot serve the build: HTTP 401"):
            build(_llm(), str(tmp_path / "refused"))
        assert server.counts.get("models") is None and server.counts["unauthorized"] == 1
        assert server.counts.get("chat.completions", 0) == 0  # stopped before any request
        assert not (tmp_path / "refused" / "data").exists()
        err = capsys.readouterr().err
        assert "LLM: " in err and "requests" in err and SECRET not in err

        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        server.script(["500", "500"])  # two samples get no reply
        with pytest.raises(BuildIncomplete, match="2 sample"):
            build(_llm(), str(tmp_path / "outage"))
        missing = [m for p in _parts(tmp_path / "outage") for m in p["meta"]["report"]["missing"]]
        assert len(missing) == 2


def test_on_failure_policies_offline_and_skip(tmp_path, monkeypatch):
    from iqa_datagen.flows import build_dataset

    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", _closed_port_url())
    offline = build_dataset(out=str(tmp_path / "offline"),
                            config=_llm(on_failure="offline", breaker_failures=2))
    assert offline["failed"] == 0 and offline["llm_requests"] == 0
    assert offline["writers"]["offline"] > 0 and "llm:fake-model" not in offline["writers"]
    assert offline["records"]["assessment_reasoning"] > 0
    skipped = build_dataset(out=str(tmp_path / "skip"),
                            config=_llm(on_failure="skip", breaker_failures=2))
    assert skipped["failed"] > 0 and "assessment_reasoning" not in skipped["records"]
    assert skipped["records"]["distortion_identification"] > 0


def test_dry_run_writes_nothing_and_string_flags_stay_strings(tmp_path, capsys):
    out = tmp_path / "ds"
    code, stdout = _cli("build", "--out", str(out), "--dry-run", "--llm.mode", "on",
                        "--expansion.mode", "llm", "--set", "llm.model=on")
    assert code == 0 and not out.exists(), stdout
    assert "assessment_reasoning" in stdout and "LLM: 32 requests" in stdout
    assert "dry run: nothing was written" in stdout
    code, stdout = _cli("build", "--out", str(out), "--dry-run", "--json")
    plan = json.loads(stdout.strip().splitlines()[-1])
    assert code == 0 and plan["requests"] == {} and plan["records"]["qa_expansion"]
    assert not out.exists()

    cfg = tmp_path / "key.yaml"
    cfg.write_text(f"llm:\n  mode: on\n  api_key: {SECRET}\n")
    code, _ = _cli("build", "--config", str(cfg), "--out", str(out), "--dry-run")
    err = capsys.readouterr().err
    assert code == 2 and "OPENAI_API_KEY" in err and SECRET not in err


def _all_digests(folder: Path) -> dict[str, str]:
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".cache" not in p.parts}


def test_retry_rejects_writes_only_the_rejected_samples_as_a_new_part(tmp_path, monkeypatch):
    from iqa_datagen.flows import build_dataset
    from iqa_datagen.pipeline.output import read_rejects
    from iqa_datagen.storage import read_records
    from iqa_datagen.testing import FakeOpenAIServer

    config = _llm(max_attempts=1, concurrency=1)
    out = tmp_path / "ds"
    with FakeOpenAIServer(api_key=SECRET) as server:
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        # The first detailed request is refused, the first expansion answered empty.
        server.script(["refusal", "ok", "ok", "ok", "empty"])
        build_dataset(out=str(out), config=config)
        rejects = read_rejects(out)
        by_task = {r["task"] for r in rejects}
        assert {"qa_expansion"} < by_task, rejects
        refused = [r for r in rejects if any("refusal" in x for x in r["reasons"])]
        qa_reject = [r for r in rejects if r["task"] == "qa_expansion"]
        assert len(refused) == 1 and len(qa_reject) == 1
        before = _all_digests(out)

        server.reset_counts()
        code, stdout = _cli("retry-rejects", str(out), "--json")
        summary = json.loads(stdout.strip().splitlines()[-1])
        assert code == 0 and summary["part"] == "retry-00000", summary
        assert summary["fixed"] >= 1 and summary["writers"]["llm:fake-model"] > 0
        assert server.counts["chat.completions"] >= summary["retried"]

    # A second round asks only for what is still rejected, here with the offline writer.
    code, stdout = _cli("retry-rejects", str(out), "--offline", "--json")
    again = json.loads(stdout.strip().splitlines()[-1])
    assert code == 0 and again["retried"] == summary["retried"] - summary["fixed"]
    if again["retried"]:  # what the fake server's replies still failed
        assert again["part"] == "retry-00001" and again["fixed"] == again["retried"], again
        assert set(again["writers"]) <= {"offline", "gt_expansion"}
    code, stdout = _cli("retry-rejects", str(out), "--json")
    assert code == 0 and json.loads(stdout.strip().splitlines()[-1])["part"] is None

    after = _all_digests(out)
    changed = sorted(k for k in before if after.get(k) != before[k])
    assert all(k in ("manifest.json", "README.md") or k.startswith("stats/") for k in changed), \
        changed
    new = sorted(set(after) - set(before))
    assert new and all("retry-0000" in k for k in new if not k.startswith("stats/")), new

    records = list(read_records(out, as_models=True))
    keys = {r.sample_key for r in records}
    assert {r["key"] for r in rejects if r["task"] != "qa_expansion"} <= keys
    assert any(r.task == "qa_expansion" and r.source_record_id == qa_reject[0]["key"]
               for r in records)
    assert len({r.id for r in records}) == len(records)  # nothing written twice
    assert _cli("stats", str(out), "--verify")[0] == 0
