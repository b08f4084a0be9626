"""The assistant model inside a build: train it on the training-split references (so it never
sees a test image), then use it as the verdicter of comparison reasoning.

Training is skipped when ``assistant/`` already holds a model trained with the same settings on
the same references (a rerun or a resumed build), or when the config names a checkpoint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from iqa_datagen.config import BuildConfig
from iqa_datagen.pipeline.references import Reference, load_reference
from iqa_datagen.seeding import derive_seed, stable_id

ASSISTANT_DIR = "assistant"
DONE_FILE = "build-done.json"


def assistant_config(config: BuildConfig):
    """The full-reference assistant settings a build trains (comparison verdicts are GT-side)."""
    from iqa_datagen.assistant import AssistantConfig

    section = config.assistant
    return AssistantConfig(setting="full_reference", distortions=config.tasks.distortions,
                           pairs_per_reference=section.pairs_per_reference, epochs=section.epochs,
                           device=section.device, seed=derive_seed(config.seed, "assistant"))


def train_for_build(config: BuildConfig, references: list[Reference], out_dir: Path | str,
                    mos_pairs: Optional[list] = None, registry=None) -> dict:
    """Train (or find already trained) the build's assistant on the distortions of
    ``registry`` (the build's); returns its path and metrics."""
    from iqa_datagen.assistant import train_assistant

    if config.assistant.checkpoint:
        return {"checkpoint": config.assistant.checkpoint, "trained": False}
    folder = Path(out_dir) / ASSISTANT_DIR
    train_refs = [r for r in references if r.split == "train"]
    acfg = assistant_config(config)
    fingerprint = stable_id(acfg.model_dump_json(), [r.ref_id for r in train_refs],
                            len(mos_pairs or []), config.references.short_side)
    done = folder / DONE_FILE
    if done.is_file():
        stored = json.loads(done.read_text())
        if stored.get("fingerprint") == fingerprint:
            return dict(stored["summary"], trained=False)
    images = []
    for ref in train_refs:
        try:
            images.append(load_reference(ref, config.references.short_side,
                                         config.references.max_pixels))
        except (ValueError, OSError):
            continue  # quarantined and reported by the shard that owns the reference
    if not images and not mos_pairs:
        raise ValueError("assistant: no readable training-split reference to train on; set "
                         "assistant.enabled=false or add references")
    report = train_assistant(acfg, images if images else False, folder, mos_pairs=mos_pairs,
                             resume=True, registry=registry)
    metrics = report.metrics()
    test = metrics["evaluation"].get("test", {})
    summary = {"checkpoint": str(folder / "best.pt"), "device": metrics["device"],
               "seconds": round(metrics["seconds"], 2), "epochs_run": metrics["epochs_run"],
               "test_accuracy": test.get("accuracy"),
               "test_order_consistency": test.get("order_consistency")}
    done.write_text(json.dumps({"fingerprint": fingerprint, "summary": summary}, indent=1))
    return dict(summary, trained=True)


def verdicter_from(checkpoint: str | Path, device: str = "auto"):
    """A batched verdicter (reference, A, B) → (winner, confidence) from a trained checkpoint.

    The model is loaded on the first call, so a shard found already done never loads it.
    """
    model = None

    def verdicts(triples):
        nonlocal model
        if model is None:
            model = _load_full_reference(checkpoint, device)
        return [(w, float(c)) for w, c in model.label(triples)]

    return verdicts


def _load_full_reference(checkpoint: str | Path, device: str):
    from iqa_datagen.assistant import load_assistant

    model = load_assistant(checkpoint, None if device == "auto" else device)
    if model.setting != "full_reference":
        raise ValueError(f"assistant checkpoint {checkpoint}: trained for {model.setting}; "
                         "builds need a full_reference model (comparison verdicts use the reference)")
    return model
