"""MODEL_CARD.md for a trained assistant: data, settings, metrics, limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _pct(x: Any) -> str:
    return "–" if x is None or x != x else f"{100 * x:.1f}%"


def _share(s: dict[str, Any] | None) -> str:
    return "–" if not s or not s.get("count") else f"{_pct(s['accuracy'])} of {s['count']}"


def _metrics_section(name: str, m: dict[str, Any], setting: str) -> list[str]:
    visible = m["cross_unanimous_visible"]
    asked = ("A no-reference model's verdicts are stated only for pairs that no-reference records "
             "can hold: neither image has a slight (level 1) change of brightness, contrast, "
             "saturation, colour quantization or sharpening, which is not visible without the "
             "reference. Those are the rows marked *no-reference visible*."
             if setting == "no_reference" else
             "A full-reference model's verdicts are stated for every pair.")
    lines = [f"### {name} ({m['pairs']} pairs, references never seen in training)", "",
             "What builds ask: which of two *different* sampled distortions is better (truth: the "
             "metric panel's majority), and which of two levels of one distortion is. " + asked, "",
             "| pairs | all | single distortions | with a paired plan |", "| --- | --- | --- | --- |",
             f"| cross-distortion, panel unanimous | {_share(m['cross_unanimous']['all'])} | "
             f"{_share(m['cross_unanimous']['single'])} | {_share(m['cross_unanimous']['multi'])} |",
             f"| cross-distortion, panel unanimous, no-reference visible | "
             f"{_share(visible['all'])} | {_share(visible['single'])} | "
             f"{_share(visible['multi'])} |",
             f"| cross-distortion, panel majority | {_share(m['cross']['all'])} | "
             f"{_share(m['cross']['single'])} | {_share(m['cross']['multi'])} |",
             f"| same distortion, two levels | {_share(m['same_distortion'])} | | |",
             f"| same distortion, two levels, no-reference visible | "
             f"{_share(m['same_distortion_visible'])} | | |",
             f"| human MOS | {_share(m['mos'])} | | |", "",
             f"- accuracy over all pairs: {_pct(m['accuracy'])} (both orders "
             f"{_pct(m['accuracy_both_orders'])})",
             f"- order consistency: {_pct(m['order_consistency'])}",
             f"- mean confidence: {_pct(m['mean_confidence'])}; expected calibration error "
             f"{_pct(m['ece'])}", "",
             "Calibration counts the verdicts of both orders (two per pair):", "",
             "| confidence | verdicts | accuracy | mean confidence |", "| --- | --- | --- | --- |"]
    for b in m["calibration"]:
        close = "]" if b["high"] == 1.0 else ")"
        lines.append(f"| [{b['low']:.1f}, {b['high']:.1f}{close} | {b['count']} | "
                     f"{_pct(b['accuracy'])} | {_pct(b['mean_confidence'])} |")
    lines += ["", "| category | pairs | accuracy |", "| --- | --- | --- |"]
    lines += [f"| {c} | {v['count']} | {_pct(v['accuracy'])} |" for c, v in m["by_category"].items()]
    if m["category_pairs"]:
        lines += ["", "Cross-distortion accuracy by category pair:", "",
                  "| categories | pairs | accuracy |", "| --- | --- | --- |"]
        lines += [f"| {c} | {v['count']} | {_pct(v['accuracy'])} |"
                  for c, v in m["category_pairs"].items()]
    return lines + [""]


def write_model_card(report: Any, path: Path) -> None:
    """Write the card from a TrainReport."""
    cfg, data = report.config, report.data
    if report.setting == "full_reference":
        setting = "full reference: scores each image against its reference"
    elif cfg.get("pairwise"):
        setting = ("no reference: judges the two images of a pair together, each against the "
                   "other (no per-image score)")
    else:
        setting = "no reference: scores each image alone"
    lines = [
        "# Assistant comparison model", "",
        "Says which of two distorted versions of one image has better quality and how sure it is "
        "(P(A better) = sigmoid(s_A − s_B) from a small siamese CNN's quality scores). Its verdicts "
        "feed comparison-reasoning prompts and label instant-rating pairs where no MOS exists.", "",
        f"- setting: {setting}",
        f"- trained from scratch on {report.device}"
        + (f", feature extractor initialised from `{cfg['backbone']}`" if cfg.get("backbone") else ""),
        f"- epochs run: {report.epochs_run}; best epoch: {report.best_epoch}; stopped early: "
        f"{report.stopped_early}; time {report.seconds:.1f} s", "",
        "## Data", "",
        "Pairs are split by reference: validation and test references are never seen in training.",
        "Same-distortion pairs (one distortion at two levels, the lower level wins) weigh 1. "
        "Cross-distortion pairs (two different plans from the build's sampler, single or paired "
        "distortions) are labelled by a panel of full-reference metrics computed by torchmetrics "
        "(PSNR, SSIM, MS-SSIM): a unanimous panel weighs "
        f"{cfg['unanimous_weight']}, a 2-of-3 majority {cfg['majority_weight']}, a panel "
        f"without a majority gives no pair. Human MOS pairs weigh {cfg['mos_weight']}."
        + (" The model takes the panel's values as inputs besides its own features."
           if cfg.get("panel_input") and report.setting == "full_reference" else ""), "",
        "| split | references | pairs | same-distortion | panel-labelled (unanimous) | MOS |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for s in ("train", "val", "test"):
        lines.append(f"| {s} | {data['references'][s]} | {data['pairs'][s]} | "
                     f"{data['strong_pairs'][s] - data['mos_pairs'][s]} | {data['weak_pairs'][s]} "
                     f"({data['panel_unanimous'][s]}) | {data['mos_pairs'][s]} |")
    lines += ["", f"Distortions ({len(data['distortions'])}): "
              + (", ".join(f"`{n}`" for n in data["distortions"]) or "none (MOS only)")
              + f"; levels {cfg['levels']}.", "", "## Metrics", ""]
    for name, m in report.evaluation.items():
        lines += _metrics_section(name, m, report.setting)
    lines += ["## Training curve", "", "| epoch | train loss | val loss | val accuracy |",
              "| --- | --- | --- | --- |"]
    lines += [f"| {h['epoch']} | {h['train_loss']:.4f} | {h['val_loss']:.4f} | "
              f"{_pct(h['val_accuracy'])} |" for h in report.history]
    lines += ["", "## Settings", "", "```json"]
    import json

    lines += [json.dumps(cfg, indent=2), "```", "",
              "## Limits", "",
              "- Without MOS pairs, cross-distortion truth is the metric panel's, not human "
              "judgement: the model can only be as right as the panel (check it against human "
              "data with `iqa-datagen evaluate-assistant --mos KIND:ROOT`).",
              "- Confidence is the model's probability; check the calibration table before "
              "using a threshold.", ""]
    path.write_text("\n".join(lines))
