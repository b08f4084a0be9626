"""MODEL_CARD.md for a trained assistant: data, settings, metrics, limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _pct(x: Any) -> str:
    return "–" if x is None or x != x else f"{100 * x:.1f}%"


def _metrics_section(name: str, m: dict[str, Any]) -> list[str]:
    lines = [f"### {name} ({m['pairs']} pairs, references never seen in training)", "",
             f"- accuracy: {_pct(m['accuracy'])} (both orders {_pct(m['accuracy_both_orders'])})",
             f"- accuracy on strong labels: {_pct(m['accuracy_strong'])}",
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
    return lines + [""]


def write_model_card(report: Any, path: Path) -> None:
    """Write the card from a TrainReport."""
    cfg, data = report.config, report.data
    setting = ("full reference: scores each image against its reference"
               if report.setting == "full_reference" else "no reference: scores each image alone")
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
        "Same-distortion pairs (one distortion at two levels, the lower level wins) are strong "
        "labels; cross-distortion pairs labelled by "
        f"{cfg['weak_metric'].upper()} are weak labels (loss weight {cfg['weak_weight']}).", "",
        "| split | references | pairs | strong | weak | MOS |", "| --- | --- | --- | --- | --- | --- |",
    ]
    for s in ("train", "val", "test"):
        lines.append(f"| {s} | {data['references'][s]} | {data['pairs'][s]} | "
                     f"{data['strong_pairs'][s]} | {data['weak_pairs'][s]} | {data['mos_pairs'][s]} |")
    lines += ["", f"Distortions ({len(data['distortions'])}): "
              + (", ".join(f"`{n}`" for n in data["distortions"]) or "none (MOS only)")
              + f"; levels {cfg['levels']}.", "", "## Metrics", ""]
    for name, m in report.evaluation.items():
        lines += _metrics_section(name, m)
    lines += ["## Training curve", "", "| epoch | train loss | val loss | val accuracy |",
              "| --- | --- | --- | --- |"]
    lines += [f"| {h['epoch']} | {h['train_loss']:.4f} | {h['val_loss']:.4f} | "
              f"{_pct(h['val_accuracy'])} |" for h in report.history]
    lines += ["", "## Settings", "", "```json"]
    import json

    lines += [json.dumps(cfg, indent=2), "```", "",
              "## Limits", "",
              "- Trained on synthetic distortions of few references unless MOS pairs are given: "
              "verdicts between different distortion types are less reliable than between levels "
              "of one distortion.",
              "- Confidence is the model's probability; check the calibration table before "
              "using a threshold.", ""]
    path.write_text("\n".join(lines))
