"""The assistant models inside a build: train them on the training-split references (so they
never see a test image), then use them as the verdicters of comparison reasoning and of the
judged instant-rating pairs.

The build's ``assistant/`` folder holds what made every verdict: the full-reference model
(``best.pt``, with its ``MODEL_CARD.md``) and, with ``assistant.no_reference``, the no-reference
model under ``no_reference/``. ``iqa_datagen.assistant.load_assistant(folder)`` gives back the
full-reference model, ``load_assistant(folder, setting="no_reference")`` the other one.

Training is skipped when the folder already holds models trained with the same settings on the
same references (a rerun or a resumed build). A checkpoint named in the config is copied in.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Optional

from iqa_datagen.config import BuildConfig
from iqa_datagen.pipeline.calibration import load_calibration
from iqa_datagen.pipeline.references import Reference, load_reference
from iqa_datagen.seeding import derive_seed, stable_id

ASSISTANT_DIR = "assistant"
NO_REFERENCE_DIR = "no_reference"
DONE_FILE = "build-done.json"


def assistant_config(config: BuildConfig, setting: str = "full_reference"):
    """The assistant settings a build trains for ``setting``."""
    from iqa_datagen.assistant import AssistantConfig

    section = config.assistant
    return AssistantConfig(setting=setting, distortions=config.tasks.distortions,
                           pairs_per_reference=section.pairs_per_reference,
                           cross_pairs_per_reference=section.cross_pairs_per_reference,
                           cross_pool=section.cross_pool, patience=section.patience,
                           multi_share=config.tasks.multi_share, epochs=section.epochs,
                           device=section.device, seed=derive_seed(config.seed, "assistant"))


def _summary(report, folder: Path) -> dict:
    test = report.metrics()["evaluation"].get("test", {})
    cross = test.get("cross_unanimous", {}).get("all", {})
    return {"checkpoint": str(folder / "best.pt"), "seconds": round(report.seconds, 2),
            "epochs_run": report.epochs_run, "test_accuracy": test.get("accuracy"),
            "test_cross_unanimous_accuracy": cross.get("accuracy"),
            "test_cross_unanimous_visible_accuracy":
                test.get("cross_unanimous_visible", {}).get("all", {}).get("accuracy"),
            "test_same_distortion_accuracy": (test.get("same_distortion") or {}).get("accuracy"),
            "test_order_consistency": test.get("order_consistency")}


def _copy_checkpoint(source: str, folder: Path) -> dict:
    """Put a given checkpoint (a file, or a folder with best.pt and maybe no_reference/) into
    the build's folder, so the folder holds what made the verdicts."""
    src = Path(source)
    folder.mkdir(parents=True, exist_ok=True)
    best = src / "best.pt" if src.is_dir() else src
    if not best.is_file():
        raise ValueError(f"assistant.checkpoint {source}: no such checkpoint")
    shutil.copyfile(best, folder / "best.pt")
    out = {"checkpoint": str(folder / "best.pt"), "copied_from": str(src), "trained": False}
    nr = src / NO_REFERENCE_DIR / "best.pt" if src.is_dir() else None
    if nr is not None and nr.is_file():
        (folder / NO_REFERENCE_DIR).mkdir(exist_ok=True)
        shutil.copyfile(nr, folder / NO_REFERENCE_DIR / "best.pt")
        out["no_reference_checkpoint"] = str(folder / NO_REFERENCE_DIR / "best.pt")
    return out


def train_for_build(config: BuildConfig, references: list[Reference], out_dir: Path | str,
                    mos_pairs: Optional[list] = None, registry=None) -> dict:
    """Train (or find already trained) the build's assistants on the distortions of
    ``registry`` (the build's); returns paths and metrics."""
    from iqa_datagen.assistant import build_pairs, train_assistant

    folder = Path(out_dir) / ASSISTANT_DIR
    if config.assistant.checkpoint:
        return _copy_checkpoint(config.assistant.checkpoint, folder)
    train_refs = [r for r in references if r.split == "train"]
    fr_cfg = assistant_config(config)
    nr_cfg = assistant_config(config, "no_reference") if config.assistant.no_reference else None
    fingerprint = stable_id(fr_cfg.model_dump_json(), nr_cfg and nr_cfg.model_dump_json(),
                            [r.ref_id for r in train_refs], len(mos_pairs or []),
                            config.references.short_side)
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
    source = images if images else False
    # One set of pairs (and panel labels) serves both settings.
    splits = build_pairs(fr_cfg, source, mos_pairs, registry)
    report = train_assistant(fr_cfg, source, folder, mos_pairs=mos_pairs, resume=True,
                             registry=registry, splits=splits)
    summary = dict(_summary(report, folder), device=report.device)
    if nr_cfg is not None:
        nr = train_assistant(nr_cfg, source, folder / NO_REFERENCE_DIR, mos_pairs=mos_pairs,
                             resume=True, registry=registry, splits=splits)
        nr_summary = _summary(nr, folder / NO_REFERENCE_DIR)
        summary["no_reference_checkpoint"] = nr_summary.pop("checkpoint")
        summary["no_reference"] = nr_summary
        summary["seconds"] = round(summary["seconds"] + nr.seconds, 2)
    done.write_text(json.dumps({"fingerprint": fingerprint, "summary": summary}, indent=1))
    return dict(summary, trained=True)


class BuildVerdicter:
    """Batched verdicts (reference, A, B) → (winner, confidence) of the full-reference model;
    ``no_reference`` (None without that model) gives the no-reference model's verdicts;
    ``fr_scores`` the full-reference scores and ``calibration`` their map to the common scale
    (None unless the build fitted one on MOS images).

    Models are loaded on first use, so a shard found already done never loads them.
    """

    def __init__(self, checkpoint: str | Path, device: str = "auto"):
        self.checkpoint, self.device = Path(checkpoint), None if device == "auto" else device
        self._models: dict[str, object] = {}
        nr = self.checkpoint.parent / NO_REFERENCE_DIR / "best.pt"
        self.no_reference = self._judge("no_reference", nr) if nr.is_file() else None
        # The map of full-reference scores to the common scale, where the build fitted one.
        self.calibration = load_calibration(self.checkpoint)

    def _model(self, setting: str, path: Path):
        if setting not in self._models:
            from iqa_datagen.assistant import load_assistant

            model = load_assistant(path, self.device)
            if model.setting != setting:
                raise ValueError(f"assistant checkpoint {path}: trained for {model.setting}; "
                                 f"expected a {setting} model here")
            self._models[setting] = model
        return self._models[setting]

    def _judge(self, setting: str, path: Path):
        def verdicts(triples):
            return [(w, float(c)) for w, c in self._model(setting, path).label(triples)]
        return verdicts

    def fr_scores(self, items) -> list[float]:
        """The full-reference model's quality score of each (reference, image)."""
        return [float(v) for v in self._model("full_reference", self.checkpoint).scores(items)]

    def __call__(self, triples):
        return self._judge("full_reference", self.checkpoint)(triples)


def verdicter_from(checkpoint: str | Path, device: str = "auto") -> BuildVerdicter:
    """The build's verdicter from its full-reference checkpoint (the no-reference model is
    found next to it, under ``no_reference/``)."""
    return BuildVerdicter(checkpoint, device)
