"""Conclusions against their own description: the rules, and the dataset statistic."""

from __future__ import annotations

import pytest

from iqa_datagen.generators.consistency import contradictions


@pytest.mark.parametrize("text, bad", [
    ("The image is sharp and clean, with natural tones across the scene. Overall, the quality "
     "is poor.", True),
    ("No visible distortion affects the scene; edges stay crisp. The image is of low quality.",
     True),
    ("Severe noise covers the sky and the face. Overall, the quality is good.", True),
    ("Severe noise covers the sky and the face. Overall, the quality is poor.", False),
    ("Edges look sharp, but heavy grain covers the sky. Overall, the quality is poor.", False),
    ("The image is clean, with crisp edges. Overall, the quality is good.", False),
    ("Slight blur softens the fur. Overall, the quality is not good.", False),
])
def test_assessment_rules(text, bad):
    assert bool(contradictions("assessment_reasoning", text)) is bad


@pytest.mark.parametrize("text, bad", [
    ("Image A is worse than Image B because of heavy blur. Image A is the better image.", True),
    ("Image B is clearly better overall. In the end, Image A is the better image.", True),
    ("Image B has better colour than Image A. Overall, Image A is the better image.", False),
    ("Image A is blurry and Image B is noisy. Image A is the better image.", False),
    ("Image B is worse, with heavy blur. Image A is therefore the better image.", False),
])
def test_comparison_rules(text, bad):
    assert bool(contradictions("comparison_reasoning", text)) is bad


def test_stats_report_the_share_of_contradicting_detailed_records(tmp_path):
    from iqa_datagen.generators.records import image_field, make_record, provenance
    from iqa_datagen.schemas import DistortionLabel
    from iqa_datagen.storage import dataset_stats, write_records
    from iqa_datagen.storage.card import consistency_lines

    png = _png()
    label = DistortionLabel(category="noise", name="noise_gaussian_rgb", level=4,
                            grade="serious")
    texts = ["Serious noise covers the whole frame. Overall, the quality is poor.",
             "The image is sharp and clean throughout. Overall, the quality is poor.",
             "Serious grain covers the sky. Overall, the quality is poor.",
             "Serious grain covers the face. Overall, the image is of high quality."]
    records = [make_record(seed=0, key=f"r:{i}", task="assessment_reasoning",
                           setting="no_reference", split="train", response_kind="detailed",
                           reference_id="r", image_a=image_field(png, "a.png"),
                           question="How good is this image?", response=text,
                           distortions_a=[label],
                           provenance=provenance(source="t", generator="offline",
                                                 generator_version="1", seed=0))
               for i, text in enumerate(texts)]
    write_records(tmp_path, records)
    c = dataset_stats(tmp_path, image_cap=0)["consistency"]
    assert (c["checked"], c["contradicting"], c["share"]) == (4, 2, 0.5)
    assert {e["id"] for e in c["examples"]} == {records[1].id, records[3].id}
    assert "2 of 4 (50.00%)" in "\n".join(consistency_lines(c))


def _png() -> bytes:
    import numpy as np

    from iqa_datagen.distortions.images import encode_png

    return encode_png(np.full((40, 40, 3), 128, np.uint8))
