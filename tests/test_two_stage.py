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
