"""LLM layer against the local fake OpenAI server, with the real openai client over real HTTP."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from iqa_datagen.generators.base import DetailedRequest, ExpansionRequest
from iqa_datagen.generators.llm import (PROMPT_VERSION, BatchPendingError, LLMConfig, LLMConfigError,
                            LLMDetailedGenerator, LLMExpansionGenerator, LLMUnavailable,
                            llm_configured,
                            validate_assessment, validate_comparison, validate_expansion)
from iqa_datagen.generators.llm.jobs import DetailedJob
from iqa_datagen.generators.llm.transport import parse_retry_after
from iqa_datagen.generators.llm.validation import claimed_winner
from iqa_datagen.testing import Behaviour, FakeOpenAIServer
from iqa_datagen.schemas import DistortionLabel, Verdict

SECRET = "sk-test-SECRET-" + secrets.token_hex(10)  # made at run time, never a literal

REQUESTS_SOURCE = textwrap.dedent('''
    import numpy as np
    from iqa_datagen.generators.base import DetailedRequest
    from iqa_datagen.schemas import DistortionLabel, Verdict

    BLUR = DistortionLabel(category="blur", name="blur_motion", level=2, grade="moderate")
    DARK = DistortionLabel(category="darken", name="darken_shift_rgb", level=1, grade="slight")
    NOISE = DistortionLabel(category="noise", name="noise_poisson", level=3, grade="obvious")

    def image(seed, size=16):
        return np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)

    def assessment(i, labels=(BLUR, DARK)):
        return DetailedRequest(key=f"assess-{i}", task="assessment_reasoning",
                               image_ref=image(1000 + i), image_a=image(2000 + i),
                               distortions_a=tuple(labels), seed=i)

    def comparison(i, winner="B", labels_a=(BLUR, DARK), labels_b=(NOISE,)):
        return DetailedRequest(key=f"compare-{i}", task="comparison_reasoning",
                               image_ref=image(3000 + i), image_a=image(4000 + i),
                               image_b=image(5000 + i), distortions_a=tuple(labels_a),
                               distortions_b=tuple(labels_b), seed=10_000 + i,
                               verdict=Verdict(winner=winner, confidence=0.8, source="assistant"))

    def make_requests(n):
        return [assessment(i) if i % 2 == 0 else comparison(i) for i in range(n)]
''')
# The factory is source text because the resume test runs it again in a killed subprocess.
_FACTORY: dict = {}
exec(compile(REQUESTS_SOURCE, "<requests>", "exec"), _FACTORY)
BLUR, DARK, NOISE = _FACTORY["BLUR"], _FACTORY["DARK"], _FACTORY["NOISE"]
image, assessment, comparison = _FACTORY["image"], _FACTORY["assessment"], _FACTORY["comparison"]
make_requests = _FACTORY["make_requests"]


@pytest.fixture
def server():
    with FakeOpenAIServer(api_key=SECRET) as srv:
        yield srv


def make_config(server, tmp_path, **overrides) -> LLMConfig:
    values = dict(base_url=server.base_url, api_key=server.api_key, model="fake-model",
                  cache_dir=str(tmp_path / "cache"), timeout=2.0, max_retries=3,
                  max_attempts=3, backoff_initial=0.01, backoff_max=0.05, concurrency=4,
                  batch_poll_interval=0.05)
    values.update(overrides)
    return LLMConfig(**values)


def expansion_request(source: DetailedRequest, text: str, k: int = 3) -> ExpansionRequest:
    return ExpansionRequest(key=source.key, task=source.task, response=text,
                            distortions_a=source.distortions_a,
                            distortions_b=source.distortions_b, verdict=source.verdict,
                            seed=source.seed + 1, k=k)


def chat_count(server) -> int:
    return server.counts.get("chat.completions", 0)


# ------------------------------------------------------------------ happy path and prompts

def test_happy_path_assessment_comparison_and_expansion(server, tmp_path):
    config = make_config(server, tmp_path)
    requests = [assessment(0), comparison(1)]
    detailed = LLMDetailedGenerator(config)
    results = detailed.generate(requests)
    assert [r.key for r in results] == ["assess-0", "compare-1"]
    for result in results:
        assert result.text and not result.reject_reasons and result.attempts == 1
        assert result.generator == "llm:fake-model" and result.prompt_version == PROMPT_VERSION
        assert result.prompt_tokens > 0 and result.completion_tokens > 0 and not result.cached
    assert validate_assessment(results[0].text, requests[0].distortions_a) == []
    assert validate_comparison(results[1].text, requests[1].distortions_a,
                               requests[1].distortions_b, requests[1].verdict) == ([], False)
    assert "Image B is better" in results[1].text
    usage = detailed.usage
    assert usage.requests == 2 and usage.cache_hits == 0
    assert usage.prompt_tokens == sum(r.prompt_tokens for r in results)
    assert usage.estimated_cost_usd == pytest.approx(config.cost(usage.prompt_tokens,
                                                                 usage.completion_tokens))

    expander = LLMExpansionGenerator(config)
    expanded = expander.expand([expansion_request(r, res.text)
                                for r, res in zip(requests, results)])
    assert [len(e.pairs) for e in expanded] == [3, 3]
    assert all(e.reject_reasons == [] and e.prompt_tokens > 0 for e in expanded)
    better = [p for p in expanded[1].pairs if p.question.startswith("Which image")]
    assert better and better[0].answer.startswith("Image B")
    assert chat_count(server) == 4


def test_prompt_states_ground_truth_and_carries_images_as_png(tmp_path):
    config = LLMConfig(api_key=SECRET, cache_dir=str(tmp_path))
    request = comparison(7, winner="A")
    body = DetailedJob(config, request).call(1).build_body()
    user = body["messages"][1]["content"]
    images = [p["image_url"]["url"] for p in user if p["type"] == "image_url"]
    assert len(images) == 3  # reference, A, B
    for url, expected in zip(images, (request.image_ref, request.image_a, request.image_b)):
        assert url.startswith("data:image/png;base64,")
        png = np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8)
        decoded = cv2.cvtColor(cv2.imdecode(png, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        np.testing.assert_array_equal(decoded, expected)
    text = "\n".join(p["text"] for p in user if p["type"] == "text")
    assert "blur (moderate; motion variant)" in text
    assert "insufficient brightness (slight" in text and "noise (obvious" in text
    assert "Better image: Image A (confidence 0.80)" in text
    assert "170 words" in text
    assert body["seed"] != DetailedJob(config, request).call(2).build_body()["seed"]


# ------------------------------------------------------------------ transport faults

def test_429_waits_the_retry_after_seconds(server, tmp_path):
    server.script([Behaviour("429", retry_after="1")])
    started = time.monotonic()
    [result] = LLMDetailedGenerator(make_config(server, tmp_path)).generate([assessment(0)])
    elapsed = time.monotonic() - started
    assert result.text is not None
    assert elapsed >= 1.0
    assert chat_count(server) == 2


def test_retry_after_as_http_date_and_seconds():
    now = 1_700_000_000.0
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 7))
    assert parse_retry_after(date, now=now) == pytest.approx(7.0)
    assert parse_retry_after("2.5") == 2.5
    assert parse_retry_after("not a date") is None
    assert parse_retry_after(None) is None


def test_5xx_and_malformed_bodies_are_retried(server, tmp_path):
    server.script(["500", "malformed", "500"])
    [result] = LLMDetailedGenerator(make_config(server, tmp_path)).generate([assessment(0)])
    assert result.text is not None and result.attempts == 1
    assert chat_count(server) == 4


def test_timeouts_are_retried(server, tmp_path):
    server.script([Behaviour("hang", seconds=3)])
    config = make_config(server, tmp_path, timeout=0.3)
    started = time.monotonic()
    [result] = LLMDetailedGenerator(config).generate([assessment(0)])
    assert result.text is not None
    assert 0.3 <= time.monotonic() - started < 2.5
    assert chat_count(server) == 2


def test_exhausted_retries_and_4xx_fail_only_their_request(server, tmp_path):
    config = make_config(server, tmp_path, concurrency=1, max_retries=1)
    server.script(["500", "500"])  # one request, 500 twice: retried once, then given up
    [failed] = LLMDetailedGenerator(config).generate([assessment(0)])
    assert failed.text is None and "HTTP 500" in failed.reject_reasons[0]
    assert chat_count(server) == 2
    # Two requests, one 400 (never retried): whichever request meets it fails, the other not.
    # (Which one is a matter of scheduling: a request backing off frees its slot.)
    server.script(["400"])
    results = LLMDetailedGenerator(config).generate([assessment(1), assessment(2)])
    assert sorted(r.text is None for r in results) == [False, True]
    [bad] = [r for r in results if r.text is None]
    assert "HTTP 400" in bad.reject_reasons[0]
    assert chat_count(server) == 4  # 2 for the 500s, 1 for the 400 (no retry), 1 ok


# ------------------------------------------------------------------ validation and re-sampling

BAD_REPLIES = [
    ("empty", "assessment", "empty response"),
    ("refusal", "assessment", "refusal"),
    ("length", "assessment", "truncated"),
    ("reference", "assessment", "mentions the reference"),
    ("reference", "comparison", "mentions the reference"),
    ("contradict", "comparison", "without an explicit overrule"),
]


@pytest.mark.parametrize("kind,task,_", BAD_REPLIES)
def test_bad_reply_is_retried_with_a_new_seed(server, tmp_path, kind, task, _):
    server.script([kind])
    request = assessment(0) if task == "assessment" else comparison(0)
    [result] = LLMDetailedGenerator(make_config(server, tmp_path)).generate([request])
    assert result.text is not None and result.attempts == 2 and not result.overruled
    seeds = server.seeds
    assert len(seeds) == 2 and seeds[0] != seeds[1]


@pytest.mark.parametrize("kind,task,reason", BAD_REPLIES)
def test_bad_reply_after_max_attempts_is_reported(server, tmp_path, kind, task, reason):
    server.script([kind, kind])
    request = assessment(0) if task == "assessment" else comparison(0)
    config = make_config(server, tmp_path, max_attempts=2)
    [result] = LLMDetailedGenerator(config).generate([request])
    assert result.text is None and result.attempts == 2
    assert len(result.reject_reasons) >= 2
    assert result.reject_reasons[0].startswith("attempt 1: ")
    assert any(r.startswith("attempt 2: ") and reason in r for r in result.reject_reasons)


def test_explicit_overrule_is_accepted_and_flagged(server, tmp_path):
    server.script(["overrule"])
    [result] = LLMDetailedGenerator(make_config(server, tmp_path)).generate([comparison(0)])
    assert result.text.startswith("Both pictures") and "On closer inspection, Image A" in result.text
    assert result.overruled and result.attempts == 1


def test_bad_expansion_replies_are_retried(server, tmp_path):
    source = comparison(0)
    text = LLMDetailedGenerator(make_config(server, tmp_path)).generate([source])[0].text
    server.reset_counts()
    server.script(["contradict", Behaviour("text", text='{"pairs": [{"question": "x"'),
                   "reference"])
    config = make_config(server, tmp_path, max_attempts=3)
    [result] = LLMExpansionGenerator(config).expand([expansion_request(source, text)])
    assert result.pairs == [] and len(result.reject_reasons) >= 3
    joined = " | ".join(result.reject_reasons)
    assert "answers no about ['blur']" in joined and "malformed: not valid JSON" in joined
    assert "mentions the reference" in joined
    assert chat_count(server) == 3


# ------------------------------------------------------------------ facts in replies

RUIN = DistortionLabel(category="blur", name="blur_gaussian", level=5, grade="catastrophic")
_SCENE = ("The photograph shows a quiet harbour at dusk, with moored boats, a stone pier and "
          "a lighthouse whose lamp glows against the evening sky. ")
FACT_ERRORS = [
    ("pristine, yet strong noise and a poor conclusion", (),
     _SCENE + "Strong noise covers the water and the sky, and the grain hides the small ropes "
     "and the rivets on the hulls, so fine structures are hard to follow. "
     "Overall, the image quality is poor.",
     ["names a distortion the labels lack: 'noise'", "overall conclusion 'poor'",
      "does not describe the image as clean"]),
    ("catastrophic blur called very slight, excellent", (RUIN,),
     _SCENE + "It suffers from very slight blur, which barely touches the masts and the "
     "rigging; every plank and rope stays easy to follow across the frame. "
     "Overall, the image quality is excellent.",
     ["severity 'very slight' contradicts the grade (blur catastrophic)",
      "overall conclusion 'excellent'"]),
    ("invented pixelation and banding", (BLUR,),
     _SCENE + "Moderate blur softens the masts and the rigging, and some pixelation turns the "
     "hull outlines into steps while banding splits the sky into stripes. "
     "Overall, the image quality is fair.",
     ["names a distortion the labels lack: 'pixelation'",
      "names a distortion the labels lack: 'banding'"]),
]


@pytest.mark.parametrize("case,labels,text,reasons", FACT_ERRORS,
                         ids=[c[0] for c in FACT_ERRORS])
def test_replies_contradicting_the_labels_are_rejected(server, tmp_path, case, labels, text,
                                                       reasons):
    """Over real HTTP: the reply is retried, then reported with every contradiction named."""
    server.script([Behaviour("text", text=text)] * 2)
    config = make_config(server, tmp_path, max_attempts=2)
    [result] = LLMDetailedGenerator(config).generate([assessment(0, labels=labels)])
    assert result.text is None and result.attempts == 2, result
    joined = " | ".join(result.reject_reasons)
    for reason in reasons:
        assert reason in joined, (reason, joined)
    assert not any("length" in r or "omits" in r for r in result.reject_reasons), joined


def test_checks_in_worker_processes_judge_exactly_as_on_the_loop(server, tmp_path):
    """Validation off the event loop (a worker process) rejects the same wrong facts with the
    same reasons, accepts the same truthful replies, and keeps results in request order."""
    from iqa_datagen.generators.llm import checking

    truthful = [assessment(7, labels=()), comparison(8, labels_a=(), labels_b=(RUIN,),
                                                     winner="A"), assessment(9, labels=(RUIN,))]
    outcomes = {}
    for workers in (0, 1):
        config = make_config(server, tmp_path / f"w{workers}", max_attempts=1,
                             check_workers=workers)
        generator = LLMDetailedGenerator(config)
        results = []
        for i, (_, labels, text, _) in enumerate(FACT_ERRORS):  # one scripted reply each
            server.script([Behaviour("text", text=text)])
            results += generator.generate([assessment(i, labels=labels)])
        results += generator.generate(truthful)  # the fake server's truthful replies
        generator.close()
        outcomes[workers] = [(r.key, r.text, r.reject_reasons) for r in results]
        if workers:  # the checks really went to a worker process
            pool = checking._pools[workers]
            assert pool._processes and all(p.pid != os.getpid()
                                           for p in pool._processes.values())
    assert outcomes[1] == outcomes[0]
    assert [key for key, _, _ in outcomes[1][len(FACT_ERRORS):]] == [r.key for r in truthful]
    for (_, text, reasons), (_, _, _, wanted) in zip(outcomes[1], FACT_ERRORS):
        assert text is None and all(any(w in r for r in reasons) for w in wanted), reasons
    assert all(text and not reasons for _, text, reasons in outcomes[1][len(FACT_ERRORS):])


def test_a_check_that_cannot_go_to_a_worker_runs_on_the_loop(server, tmp_path, monkeypatch):
    """A check whose arguments cannot be pickled is not lost: it runs here, same verdict."""
    monkeypatch.setattr(DetailedJob, "offload",
                        lambda self, reply: (lambda: self.check(reply), ()))  # unpicklable
    server.script([Behaviour("text", text=FACT_ERRORS[0][2])])
    config = make_config(server, tmp_path, max_attempts=1, check_workers=1)
    [result] = LLMDetailedGenerator(config).generate([assessment(0, labels=())])
    assert result.text is None
    assert "names a distortion the labels lack: 'noise'" in " | ".join(result.reject_reasons)


def test_no_validation_workers_inside_a_daemonic_process():
    """A daemonic process (a Dask worker) may not start children: it checks on its loop."""
    import multiprocessing

    from iqa_datagen.generators.llm.checking import default_workers

    ctx = multiprocessing.get_context("fork")
    answers = ctx.Queue()
    child = ctx.Process(target=lambda: answers.put(default_workers()), daemon=True)
    child.start()
    assert answers.get(timeout=30) == 0
    child.join(timeout=30)
    assert default_workers() >= 1  # here, a normal process


def _square(x):
    return [str(x * x)], None


class _SquareJob:
    def __init__(self, x):
        self.x = x

    def check(self, reply):
        return _square(self.x)

    def offload(self, reply):
        return _square, (self.x,)


def _check_squares() -> list:
    from iqa_datagen.generators.llm.checking import Checker

    async def go():
        checker = Checker(1)
        return await asyncio.gather(*(checker.check(_SquareJob(i), None) for i in range(3)))

    return asyncio.run(go())


def test_a_process_forked_after_the_pool_exists_makes_its_own():
    """The pool's manager thread does not survive a fork: a child that used the parent's pool
    would wait for ever. It makes its own."""
    import multiprocessing

    assert _check_squares() == [(["0"], None), (["1"], None), (["4"], None)]  # pool made here
    ctx = multiprocessing.get_context("fork")
    answers = ctx.Queue()
    child = ctx.Process(target=lambda: answers.put(_check_squares()))
    child.start()
    try:
        assert answers.get(timeout=30) == [(["0"], None), (["1"], None), (["4"], None)]
    finally:
        child.join(timeout=10)
        if child.is_alive():
            child.kill()


def _slow_square(x, seconds):
    time.sleep(seconds)
    return _square(x)


class _SlowJob(_SquareJob):
    seconds = 0.5

    def offload(self, reply):
        return _slow_square, (self.x, self.seconds)


def test_a_checker_used_again_after_its_loop_stopped_mid_batch_still_answers():
    """An engine closed while a batch was out (an outage, Ctrl-C) and then used again runs on
    a new loop: the checker must not wait for the old loop's drain, which never comes back."""
    import threading

    from iqa_datagen.generators.llm.checking import Checker

    checker = Checker(1)
    old = asyncio.new_event_loop()
    thread = threading.Thread(target=old.run_forever, daemon=True)
    thread.start()

    async def three():
        return await asyncio.gather(*(checker.check(_SlowJob(i), None) for i in range(3)))

    asyncio.run_coroutine_threadsafe(three(), old)
    time.sleep(0.2)  # the batch is in a worker now
    old.call_soon_threadsafe(old.stop)
    thread.join()
    old.close()

    async def again():
        return await asyncio.wait_for(checker.check(_SquareJob(9), None), 60)

    assert asyncio.run(again()) == (["81"], None)


def test_an_engine_dropped_unclosed_is_closed_without_waiting(server, tmp_path, monkeypatch):
    """The finalizer of an engine nobody closed runs wherever the garbage collector runs, under
    whatever lock that code holds. Once it ran inside a logging handler (holding the handler's
    lock) and waited for the engine's loop, whose closing connection logged through the same
    handler: a deadlock that hung the suite. It must ask the loop to close and return at once."""
    import threading

    from iqa_datagen.generators.llm.engine import Engine, LoopThread
    from iqa_datagen.generators.llm.transport import LiveTransport, make_client

    config = make_config(server, tmp_path, concurrency=1)
    engine = Engine(config)
    runtime = engine._runtime  # what a first run() sets up: the loop, then the session on it
    runtime.loop = LoopThread()

    async def open_session():
        runtime.transport = LiveTransport(config, make_client(config))

    runtime.loop.run(open_session())
    loop_thread = runtime.loop.thread
    held = threading.Lock()  # stands for the logging handler's lock
    closed = threading.Event()
    real_close = LiveTransport.close

    async def close_needing_the_lock(self):
        with held:  # what the loop needs to close the session
            await real_close(self)
        closed.set()

    monkeypatch.setattr(LiveTransport, "close", close_needing_the_lock)
    with held:
        finalizing = threading.Thread(target=engine._finalizer, daemon=True)
        finalizing.start()
        finalizing.join(5)
        assert not finalizing.is_alive(), "the finalizer waited for the engine's loop"
    assert closed.wait(10)  # with the lock free, the loop closes the session and stops
    loop_thread.join(10)
    assert not loop_thread.is_alive()


def test_a_stalled_worker_batch_is_checked_on_the_loop(monkeypatch, caplog):
    """A worker that does not answer within the deadline cannot hang a build: the batch is
    checked here with the same result and the checker stops using workers."""
    from iqa_datagen.generators.llm import checking

    monkeypatch.setattr(checking, "DEADLINE", 1.0)
    monkeypatch.setattr(_SlowJob, "seconds", 30.0)

    class LoopOnly(_SlowJob):
        def check(self, reply):  # the same verdict without the sleep
            return _square(self.x)

    async def go():
        checker = checking.Checker(1)
        started = time.monotonic()
        results = await asyncio.gather(*(checker.check(LoopOnly(i), None) for i in range(3)))
        return results, time.monotonic() - started, checker.workers

    results, seconds, workers = asyncio.run(go())
    assert results == [(["0"], None), (["1"], None), (["4"], None)]
    assert seconds < 20 and workers == 0
    assert any("no answer within 1 s" in r.getMessage() for r in caplog.records)


def test_validation_workers_do_not_run_an_unguarded_script_again(server, tmp_path):
    """A user's script that builds at top level, without a __main__ guard, runs once: the
    workers are fresh interpreters that never import the caller's __main__."""
    marker = tmp_path / "runs.txt"
    factory = tmp_path / "requests_factory.py"
    factory.write_text(REQUESTS_SOURCE)
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(f'''
        import os, runpy
        from iqa_datagen.generators.llm import LLMConfig, LLMDetailedGenerator
        with open({str(marker)!r}, "a") as f:
            f.write(f"{{os.getpid()}}\\n")
        ns = runpy.run_path({str(factory)!r})
        config = LLMConfig(base_url={server.base_url!r}, api_key=os.environ["OPENAI_API_KEY"],
                           model="fake-model", cache_dir={str(tmp_path / "c")!r},
                           check_workers=1)
        results = LLMDetailedGenerator(config).generate(ns["make_requests"](3))
        assert all(r.text for r in results), results
    '''))
    env = {**os.environ, "OPENAI_API_KEY": SECRET}
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert len(marker.read_text().split()) == 1
    assert server.counts["chat.completions"] == 3


def test_truthful_replies_pass_the_fact_checks(server, tmp_path):
    """The fake server's default replies state the labels; they pass, clean images included."""
    requests = [assessment(0, labels=()), assessment(2, labels=(RUIN,)),
                comparison(1, labels_a=(), labels_b=(RUIN,), winner="A")]
    results = LLMDetailedGenerator(make_config(server, tmp_path)).generate(requests)
    assert all(r.text and not r.reject_reasons and r.attempts == 1 for r in results), results
    fixed = _SCENE + ("The image shows no visible distortion: there is no noise, no blur and "
                      "no banding, and every rope stays crisp. Overall, the image quality is "
                      "excellent.")
    assert validate_assessment(fixed, ()) == []


def _lab(category, name, level, grade):
    return DistortionLabel(category=category, name=name, level=level, grade=grade)


_CAT = ("The photograph shows a tabby cat curled up on a patterned sofa beside a window, with "
        "soft daylight falling across its fur and the cushions. ")
GOOD_WORDINGS = [  # how a careful model may word the facts: none of it may be rejected
    ((_lab("noise", "noise_gaussian_rgb", 1, "slight"),),
     "Slight Gaussian noise adds a fine grain to the fur, barely noticeable in the textured "
     "regions but visible in the smooth wall. Overall, the image quality remains good."),
    ((_lab("blur", "blur_gaussian", 5, "catastrophic"),),
     "Severe blur renders the scene almost unrecognizable; the whiskers, the fabric pattern "
     "and every edge are completely lost in a smooth haze. Overall, the image quality is very "
     "poor."),
    ((_lab("compression", "compression_jpeg", 2, "moderate"),),
     "Moderate JPEG compression introduces blocky artifacts in the flat wall and some ringing "
     "around the edges of the cat. The overall quality is fair."),
    ((_lab("compression", "compression_jpeg2000", 3, "obvious"),),
     "Obvious JPEG 2000 compression blurs the fur into smooth patches and adds ringing around "
     "the window frame, so fine detail is lost. Overall, the image is of mediocre quality."),
    ((), "The image is sharp and well exposed, with natural colors and no visible artifacts; "
         "there is no noise or blur anywhere. Overall, the quality is excellent."),
    ((_lab("contrast_weaken", "contrast_weaken_scale", 1, "slight"),),
     "Slightly reduced contrast makes the scene look a bit flat, with shadows less deep than "
     "they could be. Overall, the image looks low-contrast but the quality is still good."),
    ((_lab("darken", "darken_gamma_rgb", 2, "obvious"), _lab("noise", "noise_poisson", 2,
                                                             "obvious")),
     "The image is noticeably underexposed, hiding detail in the shadows, and obvious noise "
     "adds grain across the darker areas of the sofa. Overall, the image quality is poor."),
    ((_lab("blur", "blur_jitter", 4, "serious"),),
     "Serious jitter blur scatters pixels around the outlines, giving the fur a noisy, frayed "
     "look and breaking up the edges of the cushions. Overall, the image quality is poor."),
]


@pytest.mark.parametrize("labels,text", GOOD_WORDINGS)
def test_truthful_wordings_are_not_rejected(labels, text):
    assert validate_assessment(_CAT + text, labels) == []


def test_comparison_must_call_a_clean_image_clean_and_invent_nothing(server, tmp_path):
    text = ("Both pictures show the same harbour at dusk with boats and a lighthouse. Image A "
            "looks a little dull, with slightly muted tones in the sky. Image B suffers from "
            "catastrophic blur that smears the masts into shapeless streaks and hides every "
            "rope, and heavy blocking breaks the sky into squares. Therefore, Image A is better "
            "than Image B.")
    server.script([Behaviour("text", text=text)] * 2)
    request = comparison(0, labels_a=(), labels_b=(RUIN,), winner="A")
    [result] = LLMDetailedGenerator(make_config(server, tmp_path, max_attempts=2)).generate(
        [request])
    joined = " | ".join(result.reject_reasons)
    assert result.text is None
    assert "does not describe Image A as clean" in joined
    assert "names a distortion the labels lack: 'blocking'" in joined


# ------------------------------------------------------------------ cache and resume

def test_rerun_sends_zero_requests(server, tmp_path):
    config = make_config(server, tmp_path)
    requests = make_requests(4)
    server.script(["refusal"])  # one request needs a second attempt; that is cached too
    first = LLMDetailedGenerator(config).generate(requests)
    assert chat_count(server) == 5
    server.reset_counts()
    again = LLMDetailedGenerator(config)
    second = again.generate(requests)
    assert server.counts == {}
    assert [r.text for r in second] == [r.text for r in first]
    assert [r.attempts for r in second] == [r.attempts for r in first]
    assert all(r.cached for r in second) and again.usage.requests == 0
    assert again.usage.cache_hits == 5


def test_interrupted_run_resumes_from_cache(tmp_path):
    n = 12
    factory = tmp_path / "requests_factory.py"
    factory.write_text(REQUESTS_SOURCE)
    cache = tmp_path / "cache"
    with FakeOpenAIServer(api_key=SECRET, latency=0.25) as srv:
        child = textwrap.dedent(f'''
            import os, runpy
            from iqa_datagen.generators.llm import LLMConfig, LLMDetailedGenerator
            ns = runpy.run_path({str(factory)!r})
            config = LLMConfig(base_url={srv.base_url!r}, api_key=os.environ["OPENAI_API_KEY"],
                               model="fake-model", cache_dir={str(cache)!r}, concurrency=2)
            LLMDetailedGenerator(config).generate(ns["make_requests"]({n}))
        ''')
        env = {**os.environ, "OPENAI_API_KEY": SECRET}
        proc = subprocess.Popen([sys.executable, "-c", child], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        # killed once some replies are kept and its validation worker has started
        while len(list(cache.glob("replies/*/*.json"))) < 4 or not _children(proc.pid):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "child made no progress"
            time.sleep(0.02)
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        kept = list(cache.glob("replies/*/*.json"))
        assert 4 <= len(kept) < n, len(kept)
        served = -1
        while served != srv.counts["chat.completions"]:  # let bytes already sent arrive
            served = srv.counts["chat.completions"]
            time.sleep(0.3)
        for path in kept:  # every entry that exists is complete (a kill leaves temp files at most)
            assert json.loads(path.read_text())["content"]
        assert all(p.suffix == ".json" or (p.name.startswith(".") and ".tmp-" in p.name)
                   for p in cache.rglob("*") if p.is_file())
        assert served - len(kept) <= 2, (served, len(kept))  # lost at most those in flight

        srv.reset_counts()
        config = LLMConfig(base_url=srv.base_url, api_key=SECRET, model="fake-model",
                           cache_dir=str(cache), concurrency=4)
        results = LLMDetailedGenerator(config).generate(make_requests(n))
        assert all(r.text for r in results)
        assert srv.counts["chat.completions"] == n - len(kept), (srv.counts, len(kept))
        assert sum(r.cached for r in results) == len(kept)
    # the killed run's validation workers notice that their parent is gone and exit
    deadline = time.monotonic() + 10
    while [pid for pid in workers if _running(pid)]:
        assert time.monotonic() < deadline, [pid for pid in workers if _running(pid)]
        time.sleep(0.2)


def _stat(pid) -> list[str]:
    """The fields of /proc/PID/stat after the command name: state, parent id, ... (Linux)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return []


def _children(parent: int) -> list[int]:
    """Ids of the live processes whose parent is ``parent``."""
    return [int(p.name) for p in Path("/proc").glob("[0-9]*")
            if (fields := _stat(p.name)) and fields[1] == str(parent) and fields[0] != "Z"]


def _running(pid: int) -> bool:
    fields = _stat(pid)
    return bool(fields) and fields[0] != "Z"


# ------------------------------------------------------------------ batch mode

def test_batch_round_trip_with_a_rejected_reply(server, tmp_path):
    config = make_config(server, tmp_path, batch=True)
    requests = make_requests(3)
    server.script(["refusal"])  # first batch line is refused → a second, one-line batch
    results = LLMDetailedGenerator(config).generate(requests)
    assert all(r.text for r in results)
    assert [r.attempts for r in results] == [2, 1, 1]
    counts = server.counts
    assert counts.get("chat.completions", 0) == 0
    assert counts["files.create"] == 2 and counts["batches.create"] == 2
    assert counts["files.content"] == 2
    states = [json.loads(p.read_text()) for p in (tmp_path / "cache" / "batches").glob("*.json")]
    assert len(states) == 2 and all(s["done"] for s in states)

    server.reset_counts()
    again = LLMDetailedGenerator(config).generate(requests)
    assert server.counts == {} and [r.text for r in again] == [r.text for r in results]

    live = LLMDetailedGenerator(make_config(server, tmp_path)).generate(requests)
    assert server.counts == {} and [r.text for r in live] == [r.text for r in results]


def test_batch_resumes_from_stored_batch_id(server, tmp_path):
    server.hold_batches = True
    config = make_config(server, tmp_path, batch=True, batch_wait=0.2)
    requests = make_requests(2)
    with pytest.raises(BatchPendingError) as caught:
        LLMDetailedGenerator(config).generate(requests)
    [batch_id] = caught.value.batch_ids
    assert "rerun" in str(caught.value)
    state = json.loads((tmp_path / "cache" / "batches" / f"{batch_id}.json").read_text())
    assert not state["done"] and len(state["keys"]) == 2
    assert server.counts["batches.create"] == 1

    server.hold_batches = False
    results = LLMDetailedGenerator(config).generate(requests)
    assert all(r.text for r in results)
    assert server.counts["batches.create"] == 1  # picked up, not resubmitted
    assert server.counts["files.create"] == 1


# ------------------------------------------------------------------ the key stays secret

def test_api_key_never_reaches_logs_cache_results_or_reprs(server, tmp_path, caplog):
    for name in ("", "openai", "httpx", "httpx2", "httpcore", "aiohttp", "generators", "uvicorn"):
        caplog.set_level(logging.DEBUG, logger=name)
    config = make_config(server, tmp_path, max_attempts=2)
    server.script([Behaviour("429", retry_after="0"), "500", "refusal", "400"])
    detailed = LLMDetailedGenerator(config)
    results = detailed.generate(make_requests(4))
    expanded = LLMExpansionGenerator(config).expand(
        [expansion_request(assessment(0), results[0].text or "A blurry, dark picture.")])
    batch_results = LLMDetailedGenerator(make_config(server, tmp_path / "b", batch=True)
                                         ).generate([comparison(9)])
    wrong_key = SECRET + "-WRONG"
    with pytest.raises(LLMUnavailable) as wrong:  # a refused key stops the stage at once
        LLMDetailedGenerator(make_config(server, tmp_path / "w", api_key=wrong_key)
                             ).generate([assessment(5)])
    assert "HTTP 401" in str(wrong.value)
    assert any(r.text is None for r in results)  # the 400 made it into a result's reasons

    texts = [rec.getMessage() for rec in caplog.records]
    assert any("Sending HTTP Request" in t for t in texts)  # openai's DEBUG lines were captured
    texts += [repr(results), repr(expanded), repr(batch_results), str(wrong.value), repr(config),
              str(config), repr(config.model_dump()), repr(detailed), repr(server),
              repr(detailed.usage)]
    for text in texts:
        assert "SECRET" not in text, text
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) > 5
    for path in files:
        assert b"SECRET" not in path.read_bytes(), path


# ------------------------------------------------------------------ sync facade, config

def test_generate_works_inside_a_running_event_loop(server, tmp_path):
    generator = LLMDetailedGenerator(make_config(server, tmp_path))

    async def inside_loop():
        return generator.generate([assessment(0)])

    [result] = asyncio.run(inside_loop())
    assert result.text is not None


def test_live_requests_take_the_environment_proxy_unless_no_proxy(monkeypatch):
    from iqa_datagen.generators.llm.transport import proxy_for

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy",
                 "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert proxy_for("https://api.example.com/v1/chat/completions") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert proxy_for("https://api.example.com/v1/chat/completions") == \
        "http://proxy.internal:3128"
    assert proxy_for("http://127.0.0.1:8000/v1/chat/completions") is None  # NO_PROXY; no HTTP


def test_config_from_env_and_secrecy(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert not llm_configured()
    with pytest.raises(LLMConfigError, match="OPENAI_API_KEY is not set"):
        LLMConfig.from_env()
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/")
    assert llm_configured()
    config = LLMConfig.from_env(model="m", concurrency=3)
    assert config.base_url == "http://127.0.0.1:9/v1" and config.concurrency == 3
    assert config.api_key.get_secret_value() == SECRET
    assert "SECRET" not in repr(config) and "SECRET" not in config.model_dump_json()
    with pytest.raises(LLMConfigError) as caught:
        LLMConfig.from_env(concurrency=0)
    assert "concurrency" in str(caught.value) and "SECRET" not in str(caught.value)
    with pytest.raises(ValueError, match="credentials"):
        LLMConfig(api_key="k", base_url="https://user:pw@example.com/v1")
    with pytest.raises(ValueError, match="batch mode needs cache_dir"):
        LLMConfig(api_key="k", batch=True)


def test_bad_requests_name_the_request(tmp_path):
    config = LLMConfig(api_key="k", cache_dir=str(tmp_path))
    broken = DetailedRequest(key="oops", task="comparison_reasoning", image_ref=image(1),
                             image_a=image(2), distortions_a=(BLUR,), seed=0)
    with pytest.raises(ValueError, match="'oops'.*image_b"):
        LLMDetailedGenerator(config).generate([broken])
    grey = DetailedRequest(key="grey", task="assessment_reasoning", image_ref=image(1),
                           image_a=np.zeros((8, 8), np.uint8), distortions_a=(BLUR,), seed=0)
    with pytest.raises(ValueError, match="'grey': image_a.*RGB uint8"):
        LLMDetailedGenerator(config).generate([grey])


# ------------------------------------------------------------------ validators (pure)

GOOD_ASSESSMENT = (
    "A red bicycle leans against a brick wall on a quiet street. Moderate blur softens the "
    "spokes and the mortar lines, so fine texture is lost, and the scene is slightly dark, "
    "which hides detail in the shaded doorway and mutes the red paint. The main shapes remain "
    "recognisable, though small details such as the chain and the lettering on the frame are "
    "hard to make out. Overall, the image quality is poor."
)


def test_validate_assessment_cases():
    labels = (BLUR, DARK)
    assert validate_assessment(GOOD_ASSESSMENT, labels) == []
    assert any("omits distortion 'noise'" in r
               for r in validate_assessment(GOOD_ASSESSMENT, labels + (NOISE,)))
    assert any("length" in r for r in validate_assessment(GOOD_ASSESSMENT * 3, labels))
    no_end = GOOD_ASSESSMENT.replace(" Overall, the image quality is poor.", " It is a bike.")
    assert "no overall-quality conclusion" in validate_assessment(no_end, labels)
    leaked = GOOD_ASSESSMENT.replace("A red", "Unlike the reference, a red")
    assert any("reference" in r for r in validate_assessment(leaked, labels))
    told = GOOD_ASSESSMENT + " I was told it is dark."
    assert any("told" in r for r in validate_assessment(told, labels))
    assert validate_assessment(GOOD_ASSESSMENT, labels, finish_reason="length")[0].startswith(
        "truncated")
    assert validate_assessment("  ", labels) == ["empty response"]


@pytest.mark.parametrize("sentence,winner", [
    ("Therefore, Image A is better than Image B.", "A"),
    ("The better image is Image B.", "B"),
    ("Image A is worse than Image B.", "B"),
    ("Image B is sharper, so Image A is worse.", "B"),
    ("Image A has blur, so Image B is clearly superior.", "B"),
    ("Image A, despite its noise, is the better of the two.", "A"),
    ("I would prefer Image B overall.", "B"),
    ("Both images are poor.", None),
])
def test_claimed_winner(sentence, winner):
    assert claimed_winner("Image A shows blur. " + sentence) == winner


def test_validate_comparison_winner_and_overrule():
    verdict = Verdict(winner="A", confidence=0.9, source="assistant")
    body = ("Both photos show a harbour at dusk with boats and a lighthouse. Image A has slight "
            "noise that adds a faint grain to the sky, while Image B suffers from moderate blur "
            "that smears the masts and the lighthouse windows into soft shapes. ")
    agree = body + "Therefore, Image A is better than Image B."
    assert validate_comparison(agree, (NOISE,), (BLUR,), verdict) == ([], False)
    against = body + "Therefore, Image B is better than Image A."
    reasons, overruled = validate_comparison(against, (NOISE,), (BLUR,), verdict)
    assert not overruled and any("without an explicit overrule" in r for r in reasons)
    explicit = body + "On closer inspection, Image B is better than Image A."
    assert validate_comparison(explicit, (NOISE,), (BLUR,), verdict) == ([], True)
    undecided = body + "Both have their problems."
    assert any("no conclusion" in r for r in validate_comparison(undecided, (NOISE,), (BLUR,),
                                                                 verdict)[0])


def test_validate_expansion_consistency():
    def reply(*pairs):
        return json.dumps({"pairs": [{"question": q, "answer": a} for q, a in pairs]})

    ok = reply(("Is the image blurry?", "Yes, it is moderately blurred."),
               ("Is there noise in the image?", "No, there is no visible noise."),
               ("Does the image have a contrast problem?", "No."))
    assert validate_expansion(ok, 3, (BLUR,))[0] == []
    claims_noise = reply(("Is there noise in the image?", "Yes, some grain."))
    assert "answers yes about ['noise']" in validate_expansion(claims_noise, 1, (BLUR,))[0][0]
    denies_blur = reply(("Is the photo out of focus?", "No, it is sharp."))
    assert "answers no about ['blur']" in validate_expansion(denies_blur, 1, (BLUR,))[0][0]
    assert validate_expansion(ok, 2, (BLUR,))[0] == ["expected 2 pairs, got 3"]
    assert validate_expansion("```json\n" + ok + "\n```", 3, (BLUR,))[0] == []
    assert validate_expansion("{not json", 3, (BLUR,))[0][0].startswith("malformed")
    verdict = Verdict(winner="B", source="assistant")
    pair_q = reply(("Which image has better quality?", "Image A does."),
                   ("Is Image B noisy?", "Yes, slightly."))
    reasons = validate_expansion(pair_q, 2, (BLUR,), (NOISE,), verdict, paired=True)[0]
    assert reasons == ["pair 0: names Image A as better, the verdict is Image B"]


# ------------------------------------------------------------------ outages: stop, say why, never a reject

def _closed_port_url() -> str:
    import socket

    with socket.socket() as sock:  # bound then closed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.mark.parametrize("kind", ["401", "403"])
def test_refused_key_stops_the_stage_at_once(server, tmp_path, kind):
    key = SECRET + "-WRONG" if kind == "401" else server.api_key
    if kind == "403":
        server.script(["403"])
    config = make_config(server, tmp_path, api_key=key, concurrency=1)
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match=f"HTTP {kind}") as caught:
        LLMDetailedGenerator(config).generate(make_requests(6))
    assert time.monotonic() - started < 5
    assert "OPENAI_API_KEY" in str(caught.value) and "SECRET" not in str(caught.value)
    sent = chat_count(server) + server.counts.get("unauthorized", 0)
    assert sent == 1  # not retried, and no other request sent after it


def test_nothing_listening_opens_the_circuit_quickly(tmp_path):
    config = LLMConfig(base_url=_closed_port_url(), api_key=SECRET, model="m", timeout=2,
                       max_retries=5, backoff_initial=0.01, backoff_max=0.05, concurrency=4,
                       breaker_failures=5)
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match="5 connection errors or timeouts in a row"):
        LLMDetailedGenerator(config).generate(make_requests(20))
    assert time.monotonic() - started < 10


def test_hanging_server_meets_the_deadline_then_the_breaker(server, tmp_path):
    # One hanging request among answered ones: its deadline ends it (a failure, not a reject).
    server.script([Behaviour("hang", seconds=5)] * 20)
    config = make_config(server, tmp_path, timeout=0.2, max_retries=10, request_deadline=0.7,
                         backoff_initial=0.01, concurrency=1, breaker_failures=100)
    started = time.monotonic()
    [result] = LLMDetailedGenerator(config).generate([assessment(0)])
    assert time.monotonic() - started < 2
    assert result.text is None and "deadline" in result.error and result.attempts == 1
    # Many hanging requests: the breaker stops the stage after a few timeouts in a row.
    config = make_config(server, tmp_path / "b", timeout=0.2, max_retries=5, concurrency=4,
                         backoff_initial=0.01, breaker_failures=4)
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match="timeout"):
        LLMDetailedGenerator(config).generate(make_requests(12))
    assert time.monotonic() - started < 3


def test_most_requests_failing_stops_the_stage(server, tmp_path):
    server.script(["500"] * 30)
    config = make_config(server, tmp_path, max_retries=0, concurrency=1,
                         failure_min_requests=4)
    with pytest.raises(LLMUnavailable, match=r"4 of 4 requests to the LLM failed .*HTTP 500"):
        LLMDetailedGenerator(config).generate(make_requests(10))
    assert chat_count(server) == 4


def test_transport_failure_is_missing_not_rejected_and_offline_policy_goes_on(tmp_path):
    config = LLMConfig(base_url=_closed_port_url(), api_key=SECRET, model="m", max_retries=0,
                       concurrency=2, breaker_failures=2, on_failure="skip",
                       cache_dir=str(tmp_path / "c"))
    results = LLMDetailedGenerator(config).generate(make_requests(6))
    assert all(r.text is None and r.error for r in results)  # none raised: the policy goes on
    assert any("LLM unavailable" in r.error for r in results)
    assert all(r.reject_reasons and r.attempts <= 1 for r in results)


def test_server_urls_with_credentials_are_refused_without_echo():
    from iqa_datagen.config import ConfigError, load_config
    from iqa_datagen.secrecy import redact_url

    token = "tok" + secrets.token_hex(8)
    for url in (f"http://127.0.0.1:1/v1?api-key={token}", f"http://127.0.0.1:1/v1?token={token}",
                f"http://user:{token}@127.0.0.1:1/v1"):
        with pytest.raises(ConfigError, match="OPENAI_API_KEY") as caught:
            load_config(None, {"llm.base_url": url})
        assert token not in str(caught.value)
        with pytest.raises(ValueError, match="credentials") as caught:
            LLMConfig(api_key="k", base_url=url)
        assert token not in str(caught.value)
        assert token not in redact_url(url) and "127.0.0.1:1" in redact_url(url)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY") as caught:
        load_config(None, {"llm.api_key": token})
    assert token not in str(caught.value)


def test_expansion_pair_questions_must_follow_the_labels(server, tmp_path):
    """'Which is noisier?' answered against the labels is rejected (over real HTTP)."""
    def reply(*pairs):
        return json.dumps({"pairs": [{"question": q, "answer": a} for q, a in pairs]})

    wrong = reply(("Which image is noisier, Image A or Image B?", "Image A is noisier."),
                  ("Which of the two images looks less sharp?", "Image B."))
    reasons = validate_expansion(wrong, 2, (BLUR,), (NOISE,), paired=True)[0]
    assert reasons == ["pair 0: answers Image A to 'which is noisier', the labels say Image B",
                       "pair 1: answers Image B to 'which is blurrier', the labels say Image A"]
    right = reply(("Which image is noisier, Image A or Image B?", "Image B."),
                  ("Which image shows more blur?", "Image A shows more blur."))
    assert validate_expansion(right, 2, (BLUR,), (NOISE,), paired=True)[0] == []
    source = comparison(0, labels_a=(BLUR,), labels_b=(NOISE,))
    server.script([Behaviour("text", text=wrong)] * 2)
    config = make_config(server, tmp_path, max_attempts=2)
    [result] = LLMExpansionGenerator(config).expand([expansion_request(source, "x", k=2)])
    assert result.pairs == [] and "the labels say Image B" in " | ".join(result.reject_reasons)
