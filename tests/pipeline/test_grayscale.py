"""A grayscale reference never gets a colour-only distortion: it would not show, and a record
naming it (or a pair ordered by its level) would state something the images do not carry."""

from __future__ import annotations

import numpy as np


def _gray(name: str) -> np.ndarray:
    from iqa_datagen.distortions.images import builtin_reference

    gray = builtin_reference(name).mean(axis=2).astype(np.uint8)
    return np.repeat(gray[..., None], 3, axis=2)


def test_saturation_leaves_a_grayscale_image_unchanged_so_it_is_marked_colour_only():
    from iqa_datagen import distortions
    from iqa_datagen.distortions import active_registry

    image = _gray("coffee")[::4, ::4]
    registry = active_registry()
    colour_only = {s.name for s in registry if s.colour_only}
    assert colour_only == {"saturate_strengthen_hsv", "saturate_strengthen_ycbcr",
                           "saturate_weaken_hsv", "saturate_weaken_ycbcr"}
    for name in colour_only:  # the reason for the flag: no visible change at any level
        for level in (1, 5):
            out = distortions.apply(image, name, level, np.random.default_rng(0))
            assert np.abs(out.astype(int) - image).max() <= 1, (name, level)


def test_records_of_a_grayscale_reference_never_name_a_colour_only_distortion(tmp_path):
    from PIL import Image

    from iqa_datagen.config import load_config
    from iqa_datagen.pipeline.references import discover, make_shards
    from iqa_datagen.pipeline.shard import ShardRunner
    from iqa_datagen.storage import read_records

    refs = tmp_path / "refs"
    refs.mkdir()
    for name in ("coffee", "chelsea", "rocket"):
        Image.fromarray(_gray(name)[:, :, 0]).save(refs / f"{name}.png")
    config = load_config(None, {"references.folder": str(refs), "references.short_side": 64,
                                "tasks.identification": 12, "tasks.instant_rating": 12,
                                "tasks.rating_source": "library", "tasks.assessment": 0,
                                "tasks.comparison": 0, "tasks.quality_scoring": 12,
                                "tasks.distortions": ["saturate_weaken_hsv",
                                                      "saturate_strengthen_ycbcr",
                                                      "blur_gaussian", "noise_gaussian_rgb"],
                                "assistant.enabled": False, "llm.mode": "off",
                                "expansion.mode": "off"})
    with ShardRunner(config, tmp_path / "ds") as runner:
        for shard in make_shards(discover(config), 10):
            runner.run(shard)
    records = list(read_records(tmp_path / "ds", as_models=True))
    named = {d.name for r in records for d in (r.distortions_a or []) + (r.distortions_b or [])}
    assert named and named <= {"blur_gaussian", "noise_gaussian_rgb"}, named


def test_assistant_pairs_of_a_grayscale_reference_skip_colour_only_distortions():
    from iqa_datagen.assistant import AssistantConfig, load_references, synthetic_pairs

    config = AssistantConfig(distortions=["saturate_weaken_ycbcr", "blur_gaussian",
                                          "noise_gaussian_rgb"], pairs_per_reference=None,
                             cross_pairs_per_reference=4, cross_pool=4)
    pairs = synthetic_pairs(load_references([_gray("coffee")], 64), config)
    names = {p.info["a_name"] for p in pairs} | {p.info["b_name"] for p in pairs}
    assert pairs and not any("saturate" in n for n in names), names
    for p in pairs:  # every pair shows two different images
        assert not np.array_equal(p.image_a, p.image_b)
