"""Using a trained assistant: compare two images, label many pairs, drop unsure verdicts.

At inference every image is scored on a fixed grid of ``eval_crops`` aligned windows and the
scores are averaged, so a verdict is deterministic and costs the same for any image size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch
from pydantic import ValidationError

from .config import AssistantConfig
from .data import cut, grid_positions, prepare, to_tensor
from .evaluation import Verdicts, verdicts_from_logits
from .model import QualityNet
from .pairs import QualityPair, load_image
from .panel import with_panel
from .runtime import autocast, resolve_device


class Assistant:
    """A trained quality network with the settings it was trained under.

    A pair's logit is the difference of its two images' scores, so swapping A and B negates it
    exactly: verdicts are order-consistent by construction (``antisymmetric``).
    """

    antisymmetric = True

    def __init__(self, model: QualityNet, config: AssistantConfig, device: str | None = None):
        self.config = config
        self.device = torch.device(resolve_device(device or config.device))
        self.model = model.to(self.device).eval()

    @property
    def setting(self) -> str:
        return self.config.setting

    @property
    def window(self) -> int:
        return 2 * self.config.crop

    def compare(self, image_ref: np.ndarray | str | None, image_a: np.ndarray | str,
                image_b: np.ndarray | str) -> tuple[str, float]:
        """('A' or 'B', confidence in [0.5, 1]) for one pair; ``image_ref`` may be None in NR."""
        return self.label([(image_ref, image_a, image_b)])[0]

    def logits(self, pairs: Iterable[Any], batch_size: int | None = None) -> np.ndarray:
        """Logits of P(A better) for pairs (see ``as_pair`` for accepted forms): the difference
        of the two images' scores."""
        pairs = [as_pair(p, i, self.setting) for i, p in enumerate(pairs)]
        if self.config.uses_pairwise:
            return self._pair_logits(pairs, batch_size)
        if self.config.uses_panel:
            pairs = with_panel(pairs, load_image)
        # Each distinct (reference, image) is scored once, however many pairs share it.
        singles: dict[tuple, QualityPair] = {}
        sides = []
        for p in pairs:
            for side, img in (("a", p.image_a), ("b", p.image_b)):
                key = (_identity(p.reference), _identity(img))
                singles.setdefault(key, QualityPair("", p.reference, img, img, "A", "unlabelled",
                                                    info={"a_panel": p.info.get(f"{side}_panel")}))
                sides.append(key)
        scores = dict(zip(singles, self._scores(list(singles.values()), batch_size)))
        s = np.array([scores[k] for k in sides], dtype=float).reshape(-1, 2)
        return s[:, 0] - s[:, 1] if len(s) else np.zeros(0)

    def _pair_logits(self, pairs: list[QualityPair], batch_size: int | None) -> np.ndarray:
        """Logits of a pairwise model: A and B judged together on the same grid windows."""
        def judge(chunk: list[QualityPair], start: int) -> torch.Tensor:
            wa, wb = [], []
            for i, pair in enumerate(chunk):
                where = f"pairs[{start + i}]"
                _, a, b = prepare(pair, self.window, self.setting, where)
                if a.shape != b.shape:
                    raise ValueError(f"{where}: image_a is {a.shape[1]}×{a.shape[0]} but "
                                     f"image_b is {b.shape[1]}×{b.shape[0]}; a pairwise "
                                     "model compares aligned images of one size")
                for y, x in grid_positions(a.shape[0], a.shape[1], self.window,
                                           self.config.eval_crops):
                    wa.append(cut(a, y, x, self.window))
                    wb.append(cut(b, y, x, self.window))
            return self.model(None, to_tensor(wa).to(self.device), to_tensor(wb).to(self.device))

        return self._grid_means(pairs, batch_size, judge)

    def scores(self, items: Iterable[tuple[Any, Any]], batch_size: int | None = None) -> np.ndarray:
        """Quality score of each (reference, image) item (reference None in NR): the mean over
        the grid windows; a pair's logit is the difference of its two images' scores."""
        if self.config.uses_pairwise:
            raise ValueError("a pairwise no-reference assistant judges pairs, not single images: "
                             "use label() or logits()")
        pairs = [as_pair((ref, img, img), i, self.setting) for i, (ref, img) in enumerate(items)]
        if self.config.uses_panel:
            pairs = with_panel(pairs, load_image)
        return self._scores(pairs, batch_size)

    def _scores(self, pairs: list[QualityPair], batch_size: int | None) -> np.ndarray:
        """Scores of each pair's image A (with its ``a_panel`` when the model fuses the panel)."""
        def score(chunk: list[QualityPair], start: int) -> torch.Tensor:
            refs, ims, panel = [], [], []
            for i, pair in enumerate(chunk):
                ref, a, _ = prepare(pair, self.window, self.setting, f"items[{start + i}]")
                for y, x in grid_positions(a.shape[0], a.shape[1], self.window,
                                           self.config.eval_crops):
                    ims.append(cut(a, y, x, self.window))
                    if ref is not None:
                        refs.append(cut(ref, y, x, self.window))
                    if self.config.uses_panel:
                        panel.append(pair.info["a_panel"])
            ref_t = to_tensor(refs).to(self.device) if refs else None
            pt = torch.tensor(panel, dtype=torch.float32, device=self.device) if panel else None
            return self.model.score(to_tensor(ims).to(self.device), ref_t, pt)

        return self._grid_means(pairs, batch_size, score)

    def _grid_means(self, pairs: list[QualityPair], batch_size: int | None,
                    run: Callable[[list[QualityPair], int], torch.Tensor]) -> np.ndarray:
        """Per pair, the mean over its ``eval_crops`` grid windows of what ``run(chunk, start)``
        gives for a chunk's windows (chunk by chunk, without gradients)."""
        k = self.config.eval_crops
        per_batch = max(1, (batch_size or self.config.batch_size * 2) // k)
        out: list[np.ndarray] = []
        with torch.inference_mode():
            for start in range(0, len(pairs), per_batch):
                chunk = pairs[start:start + per_batch]
                with autocast(self.device):
                    z = run(chunk, start)
                out.append(z.float().reshape(len(chunk), k).mean(1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros(0)

    def label(self, pairs: Iterable[Any], batch_size: int | None = None) -> Verdicts:
        """Batched verdicts: a list of (winner 'A'|'B', confidence in [0.5, 1])."""
        return verdicts_from_logits(self.logits(pairs, batch_size))

    __call__ = label


def _identity(image: Any) -> object:
    """What makes two images the same for scoring: the array object, or the path."""
    return None if image is None else id(image) if isinstance(image, np.ndarray) else str(image)


def as_pair(item: Any, index: int, setting: str) -> QualityPair:
    """A pair to judge from a QualityPair, an object with reference/image_a/image_b, or a tuple."""
    if isinstance(item, QualityPair):
        return item
    if isinstance(item, (tuple, list)) and len(item) == 3:
        ref, a, b = item
    elif all(hasattr(item, k) for k in ("image_a", "image_b")):
        ref, a, b = getattr(item, "reference", None), item.image_a, item.image_b
    else:
        raise ValueError(f"pairs[{index}]: expected (reference, image_a, image_b) or an object "
                         f"with image_a/image_b, got {type(item).__name__}")
    if setting == "full_reference" and ref is None:
        raise ValueError(f"pairs[{index}]: the full-reference assistant needs a reference image")
    return QualityPair("", ref, a, b, "A", "unlabelled")


class ModelMissing(ValueError):
    """No assistant of the asked setting where one was looked for."""


def load_assistant(path: str | Path, device: str | None = None,
                   setting: str | None = None) -> Assistant:
    """An Assistant from ``best.pt``/``checkpoint.pt`` or a folder holding ``best.pt``.

    A build's ``assistant/`` folder holds the full-reference model (``best.pt``) and the
    no-reference one under ``no_reference/``: ``setting`` picks between them.
    """
    path = Path(path)
    if path.is_dir() and setting is not None and (path / setting / "best.pt").is_file():
        path = path / setting
    if path.is_dir():
        path = path / "best.pt"
    if not path.is_file():
        raise ModelMissing(f"assistant checkpoint {path} does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)  # no code from the file
    except Exception as exc:
        raise ValueError(f"assistant checkpoint {path} cannot be read ({exc})") from None
    if not isinstance(state, dict) or "model" not in state or "config" not in state:
        raise ValueError(f"assistant checkpoint {path} lacks the 'model' and 'config' entries")
    # Checkpoints from before pairwise judging scored each image alone.
    try:
        config = AssistantConfig.model_validate({"pairwise": False, **state["config"]})
    except ValidationError as exc:
        from iqa_datagen.config import describe_errors

        raise ValueError(f"assistant checkpoint {path} was saved with settings this version "
                         f"cannot read ({describe_errors(exc)}); it comes from another version "
                         f"of iqa-datagen: train it again") from None
    if setting is not None and config.setting != setting:
        raise ModelMissing(f"assistant checkpoint {path}: trained for {config.setting!r}, "
                           f"not {setting!r}")
    model = QualityNet(config.channels, config.hidden, config.setting, config.uses_panel,
                       config.uses_pairwise)
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as exc:  # missing, extra or misshapen tensors
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"assistant checkpoint {path}: its weights do not fit the network its "
                         f"settings describe ({first})") from None
    return Assistant(model, config, device)


def label_pairs(model: Assistant | str | Path, pairs: Iterable[Any],
                setting: str | None = None, batch_size: int | None = None) -> Verdicts:
    """Verdicts for ``pairs`` from an Assistant (or a checkpoint path) trained for ``setting``."""
    assistant = model if isinstance(model, Assistant) else load_assistant(model)
    if setting is not None and setting != assistant.setting:
        raise ValueError(f"label_pairs: setting {setting!r} asked, but the assistant was trained "
                         f"for {assistant.setting!r}; load the model of that setting")
    return assistant.label(pairs, batch_size)


def keep_confident(pairs: Sequence[Any], verdicts: Verdicts, threshold: float
                   ) -> list[tuple[Any, tuple[str, float]]]:
    """(pair, verdict) for verdicts whose confidence is at least ``threshold`` (0.5..1)."""
    if not 0.5 <= threshold <= 1.0:
        raise ValueError(f"confidence threshold must be in [0.5, 1], got {threshold}")
    if len(pairs) != len(verdicts):
        raise ValueError(f"{len(pairs)} pairs but {len(verdicts)} verdicts")
    return [(p, v) for p, v in zip(pairs, verdicts) if v[1] >= threshold]
