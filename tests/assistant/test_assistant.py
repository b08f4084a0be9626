"""Tests of the assistant comparison model (iqa_datagen.assistant)."""

from __future__ import annotations

import json
from collections import namedtuple

import numpy as np
import pytest
import torch
from PIL import Image

from iqa_datagen import distortions
from iqa_datagen.assistant import (
    AssistantConfig, QualityNet, QualityPair, both_orders, calibration_bins, evaluate,
    keep_confident, label_pairs, load_assistant, load_backbone, load_references,
    mos_pairs_to_quality_pairs, order_consistency, split_pairs, synthetic_pairs, train_assistant,
    verdicts_from_logits,
)
from iqa_datagen.seeding import rng_for

WORKING = ["blur_gaussian", "noise_gaussian_rgb"]  # implemented in the library today


def tiny_config(**changes) -> AssistantConfig:
    base = dict(distortions=WORKING, reference_short_side=96, crop=24, channels=[8, 16],
                hidden=16, eval_crops=2, epochs=3, batch_size=16, lr=3e-3, device="cpu", seed=7,
                cross_pairs_per_reference=0)
    base.update(changes)
    return AssistantConfig(**base)


def synthetic_references(n: int = 6, size: int = 96) -> list[np.ndarray]:
    """Textured colour images (smooth gradients plus edges) made from the seed."""
    out = []
    for i in range(n):
        rng = rng_for(123, "test-reference", i)
        yy, xx = np.mgrid[0:size, 0:size] / size
        base = np.stack([np.sin(6 * xx + i) , np.cos(5 * yy - i), np.sin(4 * (xx + yy))], -1)
        blocks = rng.random((8, 8, 3)).repeat(size // 8, 0).repeat(size // 8, 1)
        img = (0.5 + 0.25 * base + 0.25 * (blocks - 0.5)) * 255
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    return out


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny full-reference model trained once on the built-in references."""
    out = tmp_path_factory.mktemp("assistant")
    report = train_assistant(tiny_config(), None, out, resume=False)
    return out, report


# --- pair generation -------------------------------------------------------------------------

def test_pair_generation_is_deterministic_and_order_free():
    refs = load_references(synthetic_references(4), 96)
    cfg = tiny_config(cross_pairs_per_reference=2)
    first = synthetic_pairs(refs, cfg)
    again = synthetic_pairs(list(reversed(load_references(synthetic_references(4)[::-1], 96))), cfg)
    assert 4 * (2 * 10) < len(first) <= 4 * (2 * 10 + 2)
    key = lambda p: (p.reference_id, p.info["a_name"], p.info.get("a_level", 0), p.info["b_name"],
                     p.info.get("b_level", 0))
    assert sorted(map(key, first)) == sorted(map(key, again))
    by_key = {key(p): p for p in again}
    for p in first:
        q = by_key[key(p)]
        assert p.winner == q.winner and np.array_equal(p.image_a, q.image_a)
    other = synthetic_pairs(refs, tiny_config(seed=8))
    noisy = lambda ps: [p.image_a for p in ps if p.info["a_name"] == "noise_gaussian_rgb"]
    assert not all(np.array_equal(a, b) for a, b in zip(noisy(first), noisy(other)))


def test_same_distortion_pairs_prefer_the_lower_level_and_both_sides_win():
    refs = load_references(synthetic_references(3), 96)
    pairs = [p for p in synthetic_pairs(refs, tiny_config()) if p.kind == "strong"]
    for p in pairs:
        lower_is_a = p.info["a_level"] < p.info["b_level"]
        assert p.winner == ("A" if lower_is_a else "B")
        assert p.info["a_name"] == p.info["b_name"]
    winners = [p.winner for p in pairs]
    assert 0.3 < winners.count("A") / len(winners) < 0.7


def test_cross_pairs_come_from_sampled_plans_and_the_panel_majority():
    from torchmetrics.functional.image import peak_signal_noise_ratio

    refs = load_references(synthetic_references(2), 96)
    cfg = tiny_config(cross_pairs_per_reference=12, cross_pool=8, multi_share=0.5,
                      majority_weight=0.25)
    cross = [p for p in synthetic_pairs(refs, cfg) if p.source == "panel"]
    assert cross and all(p.category == "cross" and p.kind == "weak" for p in cross)
    assert any(p.info["multi"] for p in cross) and any(not p.info["multi"] for p in cross)
    from iqa_datagen.assistant.panel import _tensor as t  # upsamples small images for MS-SSIM
    for p in cross:
        # never one distortion at two levels (those are level pairs)
        assert p.info["multi"] or p.info["a_name"] != p.info["b_name"]
        assert p.weight == (1.0 if p.info["unanimous"] else 0.25)
        assert p.info["panel_agreement"] > 0.5  # a panel without a majority gives no pair
        votes = np.sign(np.subtract(p.info["a_panel"], p.info["b_panel"]))
        assert (votes > 0).sum() != (votes < 0).sum()
        assert p.winner == ("A" if (votes > 0).sum() > (votes < 0).sum() else "B")
        # the stored values are the library's
        psnr_a = float(peak_signal_noise_ratio(t([p.image_a]), t([p.reference]), data_range=1.0))
        assert p.info["a_panel"][0] == pytest.approx(psnr_a, abs=0.05)
    left_out = [p for p in synthetic_pairs(refs, cfg.model_copy(update={"majority_weight": 0.0}))
                if p.source == "panel"]
    assert left_out and all(p.info["unanimous"] for p in left_out)


def test_pairs_say_whether_a_no_reference_record_may_state_them():
    """Builds keep plans with a slight (level-1) tone, colour or sharpening change out of
    no-reference records; each synthetic pair carries that flag, so evaluation can measure a
    no-reference model on the pairs it is asked about."""
    from iqa_datagen.distortions import NO_REFERENCE_DROP_SLIGHT

    refs = load_references(synthetic_references(2), 96)
    cfg = tiny_config(distortions=["brighten_shift_rgb", "blur_gaussian", "contrast_weaken_scale",
                                   "noise_gaussian_rgb"], pairs_per_reference=None,
                      cross_pairs_per_reference=20, cross_pool=10)
    pairs = synthetic_pairs(refs, cfg)
    levels = [p for p in pairs if p.source == "library_levels"]
    for p in levels:
        slight = min(p.info["a_level"], p.info["b_level"]) == 1 and \
            p.info["a_categories"] in NO_REFERENCE_DROP_SLIGHT
        assert p.info["no_reference_visible"] is (not slight), p.info
        assert p.swapped().info["no_reference_visible"] is p.info["no_reference_visible"]
    assert {p.info["no_reference_visible"] for p in levels} == {True, False}
    cross = [p for p in pairs if p.source == "panel"]
    assert cross and all(isinstance(p.info["no_reference_visible"], bool) for p in cross)


def test_panel_vote_counts_metrics_and_splits_give_no_winner():
    from iqa_datagen.assistant.panel import panel_vote

    assert panel_vote([30, 0.9, 0.9], [20, 0.8, 0.7]) == ("A", 1.0, 3)
    assert panel_vote([30, 0.7, 0.6], [20, 0.8, 0.7]) == ("B", pytest.approx(2 / 3), 2)
    assert panel_vote([30, 0.7, 0.8], [20, 0.7, 0.9])[0] is None  # one abstains, two split
    assert panel_vote([1, 1, 1], [1, 1, 1])[0] is None


def test_pairs_pairs_per_reference_caps_and_both_orders_swap_labels():
    refs = load_references(synthetic_references(2), 96)
    pairs = synthetic_pairs(refs, tiny_config(pairs_per_reference=5))
    assert len(pairs) == 10
    doubled = both_orders(pairs)
    assert len(doubled) == 20
    for p, q in zip(doubled[::2], doubled[1::2]):
        assert q.image_a is p.image_b and q.image_b is p.image_a
        assert {p.winner, q.winner} == {"A", "B"}
        assert q.info["a_level"] == p.info["b_level"]


def test_split_is_by_reference():
    refs = load_references(synthetic_references(8), 96)
    splits = split_pairs(synthetic_pairs(refs, tiny_config()), tiny_config())
    ids = {s: {p.reference_id for p in ps} for s, ps in splits.items()}
    assert all(ids.values())
    assert not (ids["train"] & ids["val"] or ids["train"] & ids["test"] or ids["val"] & ids["test"])
    assert sum(len(v) for v in ids.values()) == 8


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="unknown names.*blur_nope"):
        synthetic_pairs([], tiny_config(distortions=["blur_nope"]))
    with pytest.raises(ValueError, match="at least 3 distinct references"):
        split_pairs(synthetic_pairs(load_references(synthetic_references(2), 96), tiny_config()),
                    tiny_config())
    with pytest.raises(ValueError, match=r"references\[1\].*uint8"):
        load_references([synthetic_references(1)[0], np.zeros((8, 8), np.uint8)])
    Bad = namedtuple("Bad", "reference image_a image_b winner")
    with pytest.raises(ValueError, match=r"mos_pairs\[0\].*'A' or 'B'"):
        mos_pairs_to_quality_pairs([Bad("r.png", "a.png", "b.png", "C")])
    with pytest.raises(ValueError, match="val_fraction"):
        AssistantConfig(val_fraction=0.5, test_fraction=0.5)


# --- metrics ---------------------------------------------------------------------------------

def _toy_pairs(n: int = 12) -> list[QualityPair]:
    """Pairs of flat images whose better image is the brighter one."""
    rng = rng_for(0, "toy")
    pairs = []
    for i in range(n):
        va, vb = rng.choice(200, 2, replace=False) + 20
        a, b = (np.full((8, 8, 3), v, np.uint8) for v in (va, vb))
        pairs.append(QualityPair(f"r{i}", None, a, b, "A" if va > vb else "B",
                                 "blur" if i % 2 else "noise"))
    return pairs


def test_order_consistency_of_hand_made_judges():
    pairs = _toy_pairs()

    def antisymmetric(ps):  # logit from a per-image score difference
        return verdicts_from_logits([(p.image_a.mean() - p.image_b.mean()) / 10 for p in ps])

    def always_a(ps):
        return [("A", 0.9) for _ in ps]

    good = evaluate(antisymmetric, pairs)
    assert good["order_consistency"] == 1.0 and good["accuracy"] == 1.0
    assert evaluate(always_a, pairs)["order_consistency"] == 0.0
    assert order_consistency(["A", "B", "A", "B"], ["B", "A", "A", "A"]) == 0.75
    by_cat = evaluate(always_a, pairs)["by_category"]
    for cat, stats in by_cat.items():
        truth = [p.winner for p in pairs if p.category == cat]
        assert stats["count"] == len(truth)
        assert stats["accuracy"] == pytest.approx(truth.count("A") / len(truth))


def test_calibration_bins_on_synthetic_predictions():
    conf = [0.50, 0.55, 0.599, 0.60, 0.75, 0.79, 0.80, 0.95, 1.00, 0.90]
    hit = [True, False, False, True, True, True, False, True, True, False]
    bins = calibration_bins(conf, hit)
    assert [(b["low"], b["high"]) for b in bins] == [(0.5, 0.6), (0.6, 0.7), (0.7, 0.8),
                                                     (0.8, 0.9), (0.9, 1.0)]
    assert [b["count"] for b in bins] == [3, 1, 2, 1, 3]
    assert bins[0]["accuracy"] == pytest.approx(1 / 3)
    assert bins[2]["accuracy"] == 1.0 and bins[3]["accuracy"] == 0.0
    assert bins[4]["accuracy"] == pytest.approx(2 / 3)
    assert bins[4]["mean_confidence"] == pytest.approx((0.95 + 1.0 + 0.9) / 3)
    assert calibration_bins([], [])[0]["accuracy"] is None
    with pytest.raises(ValueError, match="differ in length"):
        calibration_bins([0.7], [])


def test_verdicts_from_logits():
    v = verdicts_from_logits([0.0, 2.0, -2.0])
    assert v[0] == ("A", 0.5)
    assert v[1][0] == "A" and v[1][1] == pytest.approx(1 / (1 + np.exp(-2)))
    assert v[2][0] == "B" and v[2][1] == pytest.approx(1 / (1 + np.exp(-2)))


# --- the model -------------------------------------------------------------------------------

def test_model_is_antisymmetric_and_needs_a_reference():
    torch.manual_seed(0)
    net = QualityNet([4, 8], 8, "full_reference")
    x = torch.randint(0, 256, (3, 3, 32, 32), dtype=torch.uint8)
    ref, a, b = x[:1], x[1:2], x[2:3]
    assert torch.allclose(net(ref, a, b), -net(ref, b, a))
    with pytest.raises(ValueError, match="needs the reference"):
        net(None, a, b)


def test_pairwise_model_judges_each_image_against_the_other_antisymmetrically():
    """The no-reference model sees both images of a pair (each the other's stand-in
    reference): swapping them negates the logit, and a full-reference model cannot be made
    pairwise."""
    torch.manual_seed(0)
    net = QualityNet([4, 8], 8, "no_reference", pairwise=True)
    x = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
    a, b = x[:2], x[2:]
    assert torch.allclose(net(None, a, b), -net(None, b, a), atol=1e-6)
    assert torch.allclose(net(None, a, a), torch.zeros(2), atol=1e-6)  # the same: a tie
    alone = QualityNet([4, 8], 8, "no_reference")  # scores each image alone
    assert net.head[0].in_features == 2 * 5 * 12 and alone.head[0].in_features == 2 * 2 * 12
    with pytest.raises(ValueError, match="pairwise judging is a no_reference mode"):
        QualityNet([4, 8], 8, "full_reference", pairwise=True)
    assert not AssistantConfig(setting="full_reference").uses_pairwise
    assert AssistantConfig(setting="no_reference").uses_pairwise


def test_backbone_loads_with_report_and_rejects_wrong_shapes(tmp_path):
    source = QualityNet([4, 8], 8, "no_reference")
    state = {f"features.{k}": v for k, v in source.features.state_dict().items()}
    state["extra.weight"] = torch.zeros(1)
    del state["features.stages.1.2.bias"]
    torch.save({"state_dict": state}, tmp_path / "bb.pt")
    target = QualityNet([4, 8], 8, "no_reference")
    report = load_backbone(target, str(tmp_path / "bb.pt"))
    assert report == {"missing_keys": ["stages.1.2.bias"], "unexpected_keys": ["extra.weight"]}
    assert torch.equal(target.features.stages[0][0].weight, source.features.stages[0][0].weight)
    with pytest.raises(ValueError, match="shapes do not fit"):
        load_backbone(QualityNet([6, 8], 8, "no_reference"), str(tmp_path / "bb.pt"))
    with pytest.raises(ValueError, match="does not exist"):
        load_backbone(target, str(tmp_path / "none.pt"))


# --- training --------------------------------------------------------------------------------

def test_tiny_model_beats_chance_on_held_out_references(trained):
    out, report = trained
    test = report.evaluation["test"]
    assert report.data["references"]["test"] >= 1 and test["pairs"] >= 20
    assert test["accuracy_strong"] > 0.7, test
    assert test["order_consistency"] > 0.95
    assert set(test["by_category"]) == {"blur", "noise"}
    for name in ("checkpoint.pt", "best.pt", "metrics.jsonl", "MODEL_CARD.md", "report.json"):
        assert (out / name).is_file()
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [x["epoch"] for x in lines] == [1, 2, 3]
    assert {"train_loss", "val_loss", "val_accuracy"} <= set(lines[0])
    card = (out / "MODEL_CARD.md").read_text()
    assert "order consistency" in card and "blur_gaussian" in card
    metrics = json.loads(json.dumps(report.metrics()))
    assert metrics["evaluation"]["test"]["by_distortion"].keys() == {"blur_gaussian",
                                                                     "noise_gaussian_rgb"}


def test_no_reference_model_beats_chance_without_seeing_the_reference(tmp_path):
    report = train_assistant(tiny_config(setting="no_reference"), None, tmp_path, resume=False)
    assert report.evaluation["test"]["accuracy_strong"] > 0.7, report.evaluation["test"]
    assistant = load_assistant(tmp_path)
    ref = load_references(None, 96)[1].image
    noisy = [distortions.apply(ref, "noise_gaussian_rgb", lv, 0) for lv in (1, 5)]
    assert assistant.compare(None, *noisy)[0] == "A"
    assert assistant.compare(np.zeros_like(ref), *noisy) == assistant.compare(None, *noisy)
    assert assistant.config.uses_pairwise  # the default: A and B judged together
    assert assistant.compare(None, noisy[1], noisy[0]) == \
        ("B", pytest.approx(assistant.compare(None, *noisy)[1]))
    with pytest.raises(ValueError, match="judges pairs, not single images"):
        assistant.scores([(None, noisy[0])])
    with pytest.raises(ValueError, match="aligned images of one size"):
        assistant.compare(None, noisy[0], noisy[1][:60])

    # evaluate-assistant on human scores: a pairwise model's verdicts, no per-image score
    from fixtures_mos import make_mdid2013

    from iqa_datagen.assistant.human import evaluate_on_mos

    root, _ = make_mdid2013(tmp_path / "mdid", [r.image for r in load_references(None, 96)[:2]])
    row = evaluate_on_mos(assistant, "mdid2013", root)
    assert row["images"] == 54 and row["pairs"] == 2 * 27 * 26 // 2
    assert row["srcc"] is None and row["plcc"] is None and row["pairwise_accuracy"] > 0.6, row


def test_a_no_reference_checkpoint_from_before_pairwise_judging_still_loads(tmp_path):
    """Checkpoints whose config predates ``pairwise`` scored each image alone; they load as
    such and give the same verdicts."""
    cfg = tiny_config(setting="no_reference", pairwise=False)
    net = QualityNet(cfg.channels, cfg.hidden, "no_reference")
    old_config = cfg.model_dump()
    del old_config["pairwise"]
    torch.save({"model": net.state_dict(), "config": old_config}, tmp_path / "best.pt")
    assistant = load_assistant(tmp_path)
    assert not assistant.config.uses_pairwise
    ref = load_references(None, 96)[1].image
    noisy = [distortions.apply(ref, "noise_gaussian_rgb", lv, 0) for lv in (1, 5)]
    scores = assistant.scores([(None, noisy[0]), (None, noisy[1])])
    assert assistant.logits([(None, *noisy)])[0] == pytest.approx(scores[0] - scores[1])


def test_a_checkpoint_from_another_version_is_one_clear_error(tmp_path, capsys):
    """Unknown settings or weights that do not fit are named in one line (not a pydantic or
    torch dump), and evaluate-assistant reports it instead of saying no model was found."""
    from iqa_datagen.cli import main

    cfg = tiny_config()
    net = QualityNet(cfg.channels, cfg.hidden, "full_reference", cfg.uses_panel)
    torch.save({"model": net.state_dict(), "config": {**cfg.model_dump(), "weak_metric": "psnr"}},
               tmp_path / "best.pt")
    with pytest.raises(ValueError, match="weak_metric.*another version of iqa-datagen") as info:
        load_assistant(tmp_path)
    assert "\n" not in str(info.value)
    code = main(["evaluate-assistant", "--mos", f"csv:{tmp_path / 'none.csv'}",
                 "--assistant", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "another version" in err and len(err.splitlines()) == 1

    wide = tiny_config(channels=[8, 8])
    torch.save({"model": QualityNet(wide.channels, wide.hidden, "full_reference",
                                    wide.uses_panel).state_dict(), "config": cfg.model_dump()},
               tmp_path / "best.pt")
    with pytest.raises(ValueError, match="weights do not fit") as info:
        load_assistant(tmp_path)
    assert "\n" not in str(info.value)


def test_loaded_assistant_compares_labels_and_filters(trained):
    out, report = trained
    assistant = load_assistant(out)
    ref = load_references(None, 96)[0].image
    sharp = distortions.apply(ref, "blur_gaussian", 1, 0)
    blurry = distortions.apply(ref, "blur_gaussian", 5, 0)
    winner, conf = assistant.compare(ref, sharp, blurry)
    assert winner == "A" and 0.5 <= conf <= 1.0
    assert assistant.compare(ref, blurry, sharp) == ("B", pytest.approx(conf))
    pairs = [(ref, sharp, blurry), (ref, blurry, sharp), (ref, sharp, sharp)]
    verdicts = label_pairs(assistant, pairs, "full_reference")
    assert [w for w, _ in verdicts[:2]] == ["A", "B"]
    assert verdicts[2] == ("A", 0.5)  # identical images: an exact tie
    kept = keep_confident(pairs, verdicts, 0.6)
    assert len(kept) == 2 and all(v[1] >= 0.6 for _, v in kept)
    with pytest.raises(ValueError, match="trained for 'full_reference'"):
        label_pairs(assistant, pairs, "no_reference")
    with pytest.raises(ValueError, match="needs a reference"):
        assistant.compare(None, sharp, blurry)
    with pytest.raises(ValueError, match="aligned images of one size"):
        assistant.compare(ref, sharp[:60], sharp[:60])


def test_resume_matches_uninterrupted_run(tmp_path):
    refs = synthetic_references(5, 64)
    cfg = tiny_config(epochs=2, crop=16, channels=[4, 8], reference_short_side=None,
                      pairs_per_reference=6, patience=5)
    full = train_assistant(cfg, refs, tmp_path / "full")
    first = train_assistant(cfg.model_copy(update={"epochs": 1}), refs, tmp_path / "split")
    assert first.epochs_run == 1
    resumed = train_assistant(cfg, refs, tmp_path / "split")
    assert resumed.resumed_from_epoch == 1 and resumed.epochs_run == 2
    a = torch.load(tmp_path / "full" / "checkpoint.pt", weights_only=False)
    b = torch.load(tmp_path / "split" / "checkpoint.pt", weights_only=False)
    for k, v in a["model"].items():
        assert torch.equal(v, b["model"][k]), k
    strip = lambda h: [{k: v for k, v in e.items() if "seconds" not in k} for e in h]
    assert strip(full.history) == strip(resumed.history)
    assert full.evaluation["test"]["accuracy"] == resumed.evaluation["test"]["accuracy"]
    with pytest.raises(ValueError, match="other settings or data"):
        train_assistant(cfg.model_copy(update={"lr": 1e-2}), refs, tmp_path / "split")


def test_mos_pairs_are_read_from_files_and_trained_on(tmp_path):
    Mos = namedtuple("Mos", "dataset reference image_a image_b winner score_a score_b margin")
    items = []
    for i, img in enumerate(synthetic_references(4, 64)):
        paths = []
        for tag, im in (("ref", img), ("a", distortions.apply(img, "noise_gaussian_rgb", 1, i)),
                        ("b", distortions.apply(img, "noise_gaussian_rgb", 4, i))):
            path = tmp_path / f"{i}_{tag}.png"
            Image.fromarray(im).save(path)
            paths.append(str(path))
        items.append(Mos("toy", paths[0], paths[1], paths[2], "A", 4.0, 2.0, 2.0))
    pairs = mos_pairs_to_quality_pairs(items)
    assert [p.category for p in pairs] == ["mos:toy"] * 4 and pairs[0].info["score_a"] == 4.0
    cfg = tiny_config(epochs=1, crop=16, channels=[4], val_fraction=0.25, test_fraction=0.25)
    report = train_assistant(cfg, False, tmp_path / "mos", mos_pairs=items)
    assert report.data["mos_pairs"] == {"train": 2, "val": 1, "test": 1}
    assert report.evaluation["test"]["by_category"]["mos:toy"]["count"] == 1


# --- what builds ask: cross-distortion evaluation --------------------------------------------

def _cross_pair(i: int, multi: bool, unanimous: bool, cats=("blur", "noise")) -> QualityPair:
    a, b = np.full((8, 8, 3), 200, np.uint8), np.full((8, 8, 3), 100, np.uint8)
    return QualityPair(f"r{i}", None, a, b, "A", "cross", kind="weak", source="panel",
                       info={"multi": multi, "unanimous": unanimous, "a_categories": cats[0],
                             "b_categories": cats[1]})


def test_summary_splits_cross_pairs_by_plan_and_panel_agreement():
    pairs = [_cross_pair(0, False, True), _cross_pair(1, True, True, ("noise", "blur+noise")),
             _cross_pair(2, False, False, ("noise", "blur"))] + _toy_pairs(4)

    def brighter(ps):  # right on every pair here
        return verdicts_from_logits([(p.image_a.mean() - p.image_b.mean()) / 10 for p in ps])

    def wrong_on_multi(ps):
        return [("B" if p.info.get("multi") else w, c) for p, (w, c) in zip(ps, brighter(ps))]

    hidden = _cross_pair(3, False, True, ("brighten", "noise"))
    hidden.info["no_reference_visible"] = False  # a slight brightening: no-reference records skip it
    pairs.append(hidden)
    m = evaluate(brighter, pairs)
    assert m["cross"]["all"] == {"count": 4, "accuracy": 1.0}
    assert m["cross_unanimous"]["all"]["count"] == 3
    assert m["cross_unanimous_visible"]["all"]["count"] == 2
    assert m["same_distortion_visible"] == {"count": 4, "accuracy": 1.0}
    assert m["same_distortion"] == {"count": 4, "accuracy": 1.0}
    assert m["category_pairs"]["blur vs noise"]["count"] == 2  # both orders in one cell
    w = evaluate(wrong_on_multi, pairs)
    assert w["cross_unanimous"]["multi"] == {"count": 1, "accuracy": 0.0}
    assert w["cross_unanimous"]["single"] == {"count": 2, "accuracy": 1.0}
    assert w["cross"]["all"]["accuracy"] == pytest.approx(3 / 4)
    assert w["cross_unanimous_visible"]["multi"] == {"count": 1, "accuracy": 0.0}
    assert w["category_pairs"]["blur+noise vs noise"]["accuracy"] == 0.0


CHECK_DISTORTIONS = ["blur_gaussian", "blur_motion", "noise_gaussian_rgb", "noise_impulse",
                     "compression_jpeg", "brighten_shift_rgb", "darken_gamma_rgb",
                     "contrast_weaken_scale", "pixelate", "quantize_median"]


@pytest.mark.slow
def test_cross_distortion_accuracy_on_unanimous_pairs_is_at_least_90_percent(tmp_path):
    """The check of what builds ask: on held-out references, the full-reference assistant
    names the better of two *different* sampled distortions where the panel is unanimous."""
    cfg = tiny_config(distortions=CHECK_DISTORTIONS, reference_short_side=128,
                      pairs_per_reference=20, cross_pairs_per_reference=30, cross_pool=12,
                      epochs=3)
    report = train_assistant(cfg, None, tmp_path, resume=False)
    test = report.evaluation["test"]
    unanimous = test["cross_unanimous"]["all"]
    assert unanimous["count"] >= 20, test["cross_unanimous"]
    assert unanimous["accuracy"] >= 0.90, test["cross_unanimous"]
    assert test["same_distortion"]["accuracy"] >= 0.80, test["same_distortion"]
    metrics = json.loads(json.dumps(report.metrics()))  # what train-assistant --json prints
    assert {"cross", "cross_unanimous", "same_distortion", "category_pairs", "calibration",
            "order_consistency"} <= set(metrics["evaluation"]["test"])
    card = (tmp_path / "MODEL_CARD.md").read_text()
    assert "cross-distortion, panel unanimous" in card and "by category pair" in card


def test_evaluate_assistant_on_a_miniature_mdid2013(trained, tmp_path, capsys):
    from fixtures_mos import make_mdid2013

    from iqa_datagen.cli import main

    out, _ = trained
    refs = [r.image for r in load_references(None, 96)[:2]]
    root, _ = make_mdid2013(tmp_path / "mdid", refs)
    assert main(["evaluate-assistant", "--mos", f"mdid2013:{root}", "--assistant", str(out),
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    (row,) = result["results"]
    assert row["dataset"] == "mdid2013" and row["setting"] == "full_reference"
    assert row["images"] == 54 and row["pairs"] == 2 * 27 * 26 // 2
    # noise rising with DMOS: a full-reference judge orders the images
    assert row["pairwise_accuracy"] > 0.8 and row["srcc"] > 0.7, row
    assert -1 <= row["plcc"] <= 1
    assert main(["evaluate-assistant", "--mos", f"mdid2013:{root}", "--assistant", str(out),
                 "--setting", "no_reference"]) == 2
