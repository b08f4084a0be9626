"""Two-stage reasoning: perception answers without verdicts, inference answers that agree with
the ground truth, the offline writer of both stages."""

from __future__ import annotations

import numpy as np
import pytest

from iqa_datagen.generators import two_stage as ts
from iqa_datagen.schemas import DistortionLabel, Verdict

NOISE = DistortionLabel(category="noise", name="noise_gaussian_rgb", level=4, grade="serious")
BLUR = DistortionLabel(category="blur", name="blur_gaussian", level=1, grade="slight")


@pytest.mark.parametrize("text, leak", [
    ("Heavy grain covers the sky; edges stay crisp.", False),
    ("Heavy grain covers the sky. Overall, the quality is poor.", True),
    ("Image A shows heavy grain while Image B is blurry. Image B is the better image.", True),
    ("Heavy grain covers the sky, giving a low-quality look.", True),
])
def test_perception_must_not_give_a_verdict(text, leak):
    reasons = ts.perception_reasons(text, [NOISE])
    assert any("verdict" in r for r in reasons) is leak


def test_perception_must_name_every_distortion():
    assert ts.perception_reasons("Heavy grain covers the sky.", [NOISE, BLUR]) == [
        "perception omits distortion 'blur' (blur)"]


@pytest.mark.parametrize("text, ok", [
    ("The description reports serious noise as the strongest flaw, so the overall quality is "
     "poor.", True),
    ("Serious noise dominates. The overall quality is good.", False),
    ("Serious noise dominates. The overall quality is mediocre.", False),  # one step milder
    ("Serious noise dominates. The image is of low quality.", True),
    ("Serious noise dominates, so the image is fine.", False),  # no level
    ("One. Two. The overall quality is poor.", False),  # three sentences
])
def test_inference_level_must_fit_the_strongest_grade(text, ok):
    assert (ts.inference_reasons(text, "assessment_reasoning", [NOISE]) == []) is ok


def test_inference_winner_must_be_the_verdict():
    verdict = Verdict(winner="B", source="library_levels")
    good = "Image B shows slight blur while Image A shows serious noise, so Image B is better."
    bad = "Image A shows serious noise; still, Image A is the better image."
    assert ts.inference_reasons(good, "comparison_reasoning", [NOISE], [BLUR], verdict) == []
    assert ts.inference_reasons(bad, "comparison_reasoning", [NOISE], [BLUR], verdict) == [
        "inference names Image A, the verdict is Image B"]


def test_offline_stages_split_a_one_stage_answer_and_conclude_from_the_labels():
    one_stage = ("A busy street scene with many edges. Heavy grain covers the sky and the "
                 "walls. Overall, the quality is poor.")
    perception = ts.offline_perception("assessment_reasoning", one_stage)
    assert perception == "A busy street scene with many edges. Heavy grain covers the sky and the walls."
    assert ts.perception_reasons(perception, [NOISE]) == []
    for seed in range(6):
        inference = ts.offline_inference("assessment_reasoning", [NOISE], [], None,
                                         np.random.default_rng(seed))
        assert ts.inference_reasons(inference, "assessment_reasoning", [NOISE]) == []
        assert "serious noise" in inference and "poor" in inference


def test_offline_comparison_inference_refuses_a_verdict_the_attributes_do_not_support():
    rng = np.random.default_rng(0)
    assert ts.offline_inference("comparison_reasoning", [NOISE], [BLUR],
                                Verdict(winner="A", source="assistant"), rng) is None
    verdict = Verdict(winner="B", source="assistant")
    text = ts.offline_inference("comparison_reasoning", [NOISE], [BLUR], verdict, rng)
    assert ts.inference_reasons(text, "comparison_reasoning", [NOISE], [BLUR], verdict) == []


# -- the LLM, against the local fake server (real HTTP) --------------------------------------------

SECRET_KEY = "sk-test-" + __import__("secrets").token_hex(8)  # made at run time


def _image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (16, 16, 3), dtype=np.uint8)


def _request(task: str, key: str = "k0") -> ts.TwoStageRequest:
    paired = task == "comparison_reasoning"
    return ts.TwoStageRequest(
        key=key, task=task, distortions_a=(NOISE,), distortions_b=(BLUR,) if paired else (),
        verdict=Verdict(winner="B", source="assistant", confidence=0.9) if paired else None,
        seed=3, image_ref=_image(1), image_a=_image(2), image_b=_image(3) if paired else None)


@pytest.fixture
def llm(tmp_path):
    from iqa_datagen.generators.llm import LLMConfig
    from iqa_datagen.generators.llm.two_stage import LLMTwoStageGenerator
    from iqa_datagen.testing import FakeOpenAIServer

    with FakeOpenAIServer(api_key=SECRET_KEY) as server:
        config = LLMConfig(base_url=server.base_url, api_key=server.api_key, model="fake-model",
                           cache_dir=str(tmp_path / "cache"), timeout=5.0, max_retries=2,
                           max_attempts=2, backoff_initial=0.01, backoff_max=0.05)
        generator = LLMTwoStageGenerator(config)
        yield server, generator
        generator.close()


def _image_parts(body: dict) -> int:
    return sum(1 for m in body["messages"] if isinstance(m["content"], list)
               for p in m["content"] if p.get("type") == "image_url")


@pytest.mark.parametrize("task", ["assessment_reasoning", "comparison_reasoning"])
def test_llm_writes_both_stages_perception_with_images_inference_text_only(llm, task):
    server, generator = llm
    [result] = generator.run([_request(task)])
    assert result.ok and result.generator == "llm:fake-model", result.reject_reasons
    assert ts.perception_reasons(result.perception, [NOISE],
                                 [BLUR] if task == "comparison_reasoning" else []) == []
    assert "serious noise" in result.perception
    if task == "comparison_reasoning":
        assert "Image B is the better image" in result.inference
    else:
        assert result.inference.endswith("the overall quality is poor.")
    assert server.counts["chat.completions"] == 2
    from iqa_datagen.generators.llm.two_stage import InferenceJob, PerceptionJob

    request = _request(task)
    assert _image_parts(PerceptionJob(generator.config, request).call(1).build_body()) == (
        3 if task == "comparison_reasoning" else 2)
    inference = InferenceJob(generator.config, request, result.perception).call(1).build_body()
    assert _image_parts(inference) == 0 and result.perception in str(inference["messages"])


def test_llm_perception_leaking_a_verdict_is_rejected_then_retried(llm):
    server, generator = llm
    server.script(["contradict"])  # the first perception reply ends "Overall, ... poor."
    [result] = generator.run([_request("assessment_reasoning")])
    assert result.ok and "Overall" not in result.perception
    assert server.counts["chat.completions"] == 3  # perception twice, inference once
    server.script(["contradict", "contradict"])
    [result] = generator.run([_request("assessment_reasoning", key="k1")])
    assert not result.ok and result.perception is None
    assert any("perception gives a verdict: 'Overall'" in r for r in result.reject_reasons)


@pytest.mark.parametrize("task, reason", [
    ("assessment_reasoning", "inference level disagrees with the strongest grade"),
    ("comparison_reasoning", "inference names Image A, the verdict is Image B"),
])
def test_llm_inference_contradicting_the_ground_truth_is_rejected(llm, task, reason):
    server, generator = llm
    server.script(["ok", "contradict", "contradict"])
    [result] = generator.run([_request(task)])
    assert not result.ok and result.inference is None and result.perception
    assert any(r.startswith("inference attempt 2: ") and reason in r
               for r in result.reject_reasons), result.reject_reasons


# -- llm.samples_per_request: several answers per sample, unstable conclusions dropped -----------

def test_samples_whose_conclusions_disagree_are_dropped_and_counted(tmp_path):
    from iqa_datagen.generators.base import DetailedRequest
    from iqa_datagen.generators.llm import LLMConfig, LLMDetailedGenerator
    from iqa_datagen.testing import Behaviour, FakeOpenAIServer

    request = DetailedRequest(key="assess-0", task="assessment_reasoning", image_ref=_image(1),
                              image_a=_image(2), distortions_a=(NOISE,), seed=5)
    with FakeOpenAIServer(api_key=SECRET_KEY) as server:
        config = LLMConfig(base_url=server.base_url, api_key=server.api_key, model="fake-model",
                           cache_dir=str(tmp_path / "cache"), timeout=5.0, max_retries=2,
                           max_attempts=2, backoff_initial=0.01, samples_per_request=3)
        generator = LLMDetailedGenerator(config)
        [stable] = generator.generate([request])
        assert stable.stable is True and stable.text and stable.attempts == 3
        assert ts.conclusion_of("assessment_reasoning", stable.text) == "poor"
        assert server.counts["chat.completions"] == 3
        other = stable.text.replace("quality is poor", "quality is very poor")  # also valid
        server.script([Behaviour("text", text=other)])
        [unstable] = generator.generate([DetailedRequest(**{**request.__dict__,
                                                            "key": "assess-1"})])
        generator.close()
    assert unstable.stable is False and unstable.text is None
    [reason] = unstable.reject_reasons
    assert reason.startswith("unstable conclusion over 3 samples: ")
    assert sorted(reason.split(": ")[1].split(", ")) == ["poor", "poor", "very poor"]


def test_build_summary_reports_the_instability_ratio():
    from iqa_datagen.config import load_config
    from iqa_datagen.pipeline.output import summarize
    from iqa_datagen.pipeline.shard import ShardReport

    config = load_config(None, {"llm.samples_per_request": 3})
    reports = [ShardReport(part="a", stability_checked=10, unstable=2),
               ShardReport(part="b", stability_checked=15, unstable=1)]
    assert summarize(reports, config)["instability"] == {
        "samples_per_request": 3, "checked": 25, "unstable": 3, "ratio": 0.12}
    assert summarize(reports, load_config(None))["instability"] is None


def test_an_llm_build_writes_linked_chains_through_the_fake_server(tmp_path, monkeypatch):
    from iqa_datagen.config import load_config
    from iqa_datagen.pipeline.references import discover, make_shards
    from iqa_datagen.pipeline.shard import ShardRunner
    from iqa_datagen.storage import read_records
    from iqa_datagen.testing import FakeOpenAIServer

    with FakeOpenAIServer(api_key=SECRET_KEY) as server:
        monkeypatch.setenv("OPENAI_API_KEY", SECRET_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        config = load_config(None, {"references.limit": 2, "references.short_side": 64,
                                    "tasks.identification": 0, "tasks.instant_rating": 0,
                                    "assistant.enabled": False, "expansion.mode": "off",
                                    "llm.mode": "on", "llm.model": "fake-model"})
        assert config.two_stage  # the built-in demo set: on unless said otherwise
        with ShardRunner(config, tmp_path / "ds") as runner:
            [report] = [runner.run(s) for s in make_shards(discover(config), 10)]
    rows = list(read_records(tmp_path / "ds"))
    staged = [r for r in rows if r["stage"]]
    assert staged and {r["provenance"]["generator"] for r in staged} == {"llm:fake-model"}
    assert {r["provenance"]["prompt_version"] for r in staged} == {"llm-two-stage/1"}
    by_id = {r["id"]: r for r in rows}
    for r in staged:
        if r["stage"] == "inference":
            source = by_id[r["source_record_id"]]
            assert source["stage"] == "perception" and source["chain_id"] == r["chain_id"]
            assert r["image_a"] is None and source["response"] in r["question"]
    assert report.llm_requests == server.counts["chat.completions"] > 0
