"""Training the assistant: pairs → quality network, with checkpoints, resume and early stopping.

Every epoch is a pure function of (seed, epoch, weights, optimiser state): the shuffle order and
the crop windows are keyed on the epoch, so training k epochs, stopping and resuming gives the
same weights as training without a stop (bit-identical on CPU, where kernels are deterministic).
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import numpy as np
import torch
from pydantic import BaseModel
from torch.nn import functional as F
from torch.utils.data import DataLoader

from iqa_datagen.files import atomic_open, atomic_write_text
from iqa_datagen.seeding import derive_seed, stable_id

from .card import write_model_card
from .config import AssistantConfig
from .data import PairWindows
from .evaluation import evaluate
from .inference import Assistant
from .model import QualityNet, load_backbone
from .pairs import (QualityPair, both_orders, load_image, mos_pairs_to_quality_pairs, split_pairs,
                    synthetic_pairs)
from .panel import with_panel
from .references import load_references
from .runtime import autocast, default_workers, deterministic, resolve_device

CHECKPOINT = "checkpoint.pt"
BEST = "best.pt"
METRICS = "metrics.jsonl"
CARD = "MODEL_CARD.md"
REPORT = "report.json"


class TrainReport(BaseModel):
    """What a training run did and how well the best model does on held-out references."""

    out_dir: str
    setting: str
    device: str
    epochs_run: int
    best_epoch: int
    stopped_early: bool
    stopped_by_time: bool = False
    resumed_from_epoch: Optional[int] = None
    data: dict[str, Any]
    history: list[dict[str, Any]]
    evaluation: dict[str, Any]
    backbone: Optional[dict[str, Any]] = None
    seconds: float
    config: dict[str, Any]

    def metrics(self) -> dict[str, Any]:
        """JSON-able summary for the CLI and flows."""
        return json.loads(self.model_dump_json())


def _atomic_save(obj: Any, path: Path) -> None:
    with atomic_open(path) as f:
        torch.save(obj, f)


def _write_metrics(history: list[dict], path: Path) -> None:
    atomic_write_text(path, "".join(json.dumps(h) + "\n" for h in history))


def _data_summary(splits: dict[str, list[QualityPair]], names: list[str]) -> dict[str, Any]:
    def count(pairs, **match):
        return sum(all(getattr(p, k) == v for k, v in match.items()) for p in pairs)

    return {
        "distortions": names,
        "references": {s: len({p.reference_id for p in ps}) for s, ps in splits.items()},
        "pairs": {s: len(ps) for s, ps in splits.items()},
        "strong_pairs": {s: count(ps, kind="strong") for s, ps in splits.items()},
        "weak_pairs": {s: count(ps, kind="weak") for s, ps in splits.items()},
        "panel_unanimous": {s: sum(bool(p.info.get("unanimous")) for p in ps)
                            for s, ps in splits.items()},
        "mos_pairs": {s: sum(p.source.startswith("mos:") for p in ps) for s, ps in splits.items()},
        "reference_ids": {s: sorted({p.reference_id for p in ps}) for s, ps in splits.items()},
    }


def build_pairs(config: AssistantConfig, references: Any = None,
                mos_pairs: Optional[Iterable[Any]] = None,
                registry=None) -> dict[str, list[QualityPair]]:
    """Synthetic (and MOS) pairs split by reference into train/val/test."""
    pairs: list[QualityPair] = []
    if references is not False:
        refs = load_references(references, config.reference_short_side)
        pairs += synthetic_pairs(refs, config, registry)
    if mos_pairs is not None:
        pairs += [replace(p, weight=config.mos_weight) for p in mos_pairs_to_quality_pairs(mos_pairs)]
    if not pairs:
        raise ValueError("no training pairs: give references and/or mos_pairs")
    splits = split_pairs(pairs, config)
    for name in ("train", "val"):
        if not splits[name]:
            raise ValueError(f"the {name} split is empty; add references or lower the fractions")
    return splits


def _new_model(config: AssistantConfig) -> QualityNet:
    torch.manual_seed(derive_seed(config.seed, "assistant-init") % (2**63))
    return QualityNet(config.channels, config.hidden, config.setting, config.uses_panel,
                       config.uses_pairwise)


def _validate(model: QualityNet, config: AssistantConfig, device: str,
              pairs: Sequence[QualityPair]) -> tuple[float, float]:
    """(BCE loss, accuracy) of the current weights on the validation pairs (grid windows)."""
    z = Assistant(model, config, device).logits(pairs)
    model.train()
    target = torch.tensor([1.0 if p.winner == "A" else 0.0 for p in pairs])
    loss = float(F.binary_cross_entropy_with_logits(torch.from_numpy(z).float(), target))
    acc = float(np.mean([(zi >= 0) == (p.winner == "A") for zi, p in zip(z, pairs)]))
    return loss, acc


def train_assistant(config: AssistantConfig, references: Any = None, out_dir: str | Path = "assistant",
                    mos_pairs: Optional[Iterable[Any]] = None, resume: bool = True,
                    max_seconds: Optional[float] = None, registry=None,
                    splits: Optional[dict[str, list[QualityPair]]] = None) -> TrainReport:
    """Train (or resume) an assistant and evaluate its best weights on held-out references.

    ``references``: uint8 RGB arrays, a folder, ``None`` for the built-in demo images, or
    ``False`` to train on ``mos_pairs`` only. Writes ``checkpoint.pt`` (resumable state),
    ``best.pt`` (weights for ``load_assistant``), ``metrics.jsonl``, ``MODEL_CARD.md`` and
    ``report.json`` under ``out_dir``. ``max_seconds`` stops after the epoch that crosses it.
    ``registry``: the distortions to pair (default: the built-ins and installed plugins).
    ``splits`` (from ``build_pairs``) reuses pairs already made, e.g. for the second setting.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    device = resolve_device(config.device)
    with deterministic(device, config.num_threads):  # the panel runs under the same threads
        splits = splits or build_pairs(config, references, mos_pairs, registry)
        if config.uses_panel:  # the panel's values of every image, computed once for all epochs
            splits = {name: with_panel(pairs, load_image) for name, pairs in splits.items()}
    data = _data_summary(splits, config.distortion_names(registry) if references is not False
                         else [])
    fingerprint = stable_id(config.fingerprint(), json.dumps(data, sort_keys=True))
    train_set = PairWindows(both_orders(splits["train"]), 2 * config.crop, config.setting,
                            config.seed, config.uses_panel)
    workers = default_workers(device, config.num_workers)

    with deterministic(device, config.num_threads):
        model = _new_model(config)
        backbone = load_backbone(model, config.backbone) if config.backbone else None
        model.to(device)
        optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                      weight_decay=config.weight_decay)
        state = {"epoch": 0, "history": [], "best": None, "best_epoch": -1, "bad_epochs": 0,
                 "stopped_early": False}
        resumed_from = None
        ckpt_path = out / CHECKPOINT
        if resume and ckpt_path.is_file():
            ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=True)
            if ckpt.get("fingerprint") != fingerprint:
                raise ValueError(
                    f"{ckpt_path} was trained with other settings or data (fingerprint "
                    f"{ckpt.get('fingerprint')} vs {fingerprint}); use another out_dir or resume=False")
            model.load_state_dict(ckpt["model"])
            optimizer.load_state_dict(ckpt["optimizer"])
            torch.set_rng_state(ckpt["torch_rng"])
            state = ckpt["state"]
            resumed_from = state["epoch"]

        stopped_by_time = False
        model.train()
        while state["epoch"] < config.epochs and not state["stopped_early"]:
            epoch = state["epoch"]
            t0 = time.perf_counter()
            train_set.set_epoch(epoch)
            order = torch.Generator().manual_seed(derive_seed(config.seed, "assistant-shuffle", epoch) % (2**63))
            loader = DataLoader(train_set, batch_size=config.batch_size,
                                sampler=torch.randperm(len(train_set), generator=order).tolist(),
                                num_workers=workers, pin_memory=device == "cuda")
            total, weight_sum = 0.0, 0.0
            for batch in loader:
                batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
                with autocast(device):
                    logits = model(batch.get("ref"), batch["a"], batch["b"],
                                   batch.get("panel_a"), batch.get("panel_b"))
                losses = F.binary_cross_entropy_with_logits(logits.float(), batch["target"],
                                                            reduction="none")
                loss = (losses * batch["weight"]).sum() / batch["weight"].sum().clamp_min(1e-8)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += float((losses.detach() * batch["weight"]).sum())
                weight_sum += float(batch["weight"].sum())
            train_seconds = time.perf_counter() - t0
            val_loss, val_acc = _validate(model, config, device, splits["val"])
            record = {"epoch": epoch + 1, "train_loss": total / max(weight_sum, 1e-8),
                      "val_loss": val_loss, "val_accuracy": val_acc,
                      "seconds": time.perf_counter() - t0, "train_seconds": train_seconds,
                      "train_samples": len(train_set)}
            state["history"].append(record)
            key = (val_acc, -val_loss)
            if state["best"] is None or key > tuple(state["best"]):
                state.update(best=list(key), best_epoch=epoch + 1, bad_epochs=0)
                _atomic_save({"model": model.state_dict(), "config": config.model_dump(),
                              "epoch": epoch + 1, "metrics": record}, out / BEST)
            else:
                state["bad_epochs"] += 1
                state["stopped_early"] = state["bad_epochs"] >= config.patience
            state["epoch"] = epoch + 1
            _atomic_save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                          "state": state, "config": config.model_dump(), "fingerprint": fingerprint,
                          "torch_rng": torch.get_rng_state()}, ckpt_path)
            _write_metrics(state["history"], out / METRICS)
            if max_seconds is not None and time.perf_counter() - started > max_seconds:
                stopped_by_time = True
                break

    assistant = load_assistant_weights(out / BEST, config, device)
    evaluation = {name: evaluate(assistant, splits[name]) for name in ("val", "test") if splits[name]}
    report = TrainReport(
        out_dir=str(out), setting=config.setting, device=device, epochs_run=state["epoch"],
        best_epoch=state["best_epoch"], stopped_early=state["stopped_early"],
        stopped_by_time=stopped_by_time, resumed_from_epoch=resumed_from, data=data,
        history=state["history"], evaluation=evaluation, backbone=backbone,
        seconds=time.perf_counter() - started, config=config.model_dump())
    (out / REPORT).write_text(report.model_dump_json(indent=2))
    write_model_card(report, out / CARD)
    return report


def load_assistant_weights(path: Path, config: AssistantConfig, device: str) -> Assistant:
    """The weights in ``path`` under ``config`` (the run's current settings)."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    model = QualityNet(config.channels, config.hidden, config.setting, config.uses_panel,
                       config.uses_pairwise)
    model.load_state_dict(state["model"])
    return Assistant(model, config, device)
