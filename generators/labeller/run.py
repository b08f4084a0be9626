"""``label_images``: a zero-shot quality score for every image of a folder, from an LLM.

Every image is asked about as a whole and as object-centred sub-images (``segments``), each
``asks`` times with a different sampling seed; the answers are combined as ``aggregate``
describes. Requests go through the LLM layer's engine, exactly as the detailed responses of a
build do: up to ``concurrency`` in flight, every reply written to the on-disk cache the moment
it arrives, a rejected reply asked again with a new seed (``max_attempts``), transport faults
retried. A rerun (or a run after a kill) therefore sends only the requests that never got a
reply, and no request twice.

Images are prepared (read, downscaled, segmented) a chunk at a time in a background thread
while the previous chunk's requests are in flight.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from iqa_datagen.distortions.images import ImageError, list_images, load_image
from iqa_datagen.generators.llm.config import LLMConfig
from iqa_datagen.generators.llm.engine import Engine, History
from iqa_datagen.generators.llm.jobs import LLMJob
from iqa_datagen.generators.llm.prompts import EncodedImage, encode_image, image_digest
from iqa_datagen.generators.llm.transport import Reply

from . import aggregate
from .prompt import LABELLER_PROMPT_VERSION, LEVELS, rating_messages, read_score
from .segments import segment

log = logging.getLogger(__name__)


class LabelConfig(BaseModel):
    """How the labeller asks and aggregates (the server and model are the LLM layer's)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    asks: int = Field(5, ge=1)  # answers per image and per sub-image, each with its own seed
    min_area: float = Field(0.05, gt=0, le=1)  # smallest region, as a share of the image
    max_segments: int = Field(8, ge=1)  # largest regions kept; the rest make one more unit
    min_crop: int = Field(64, ge=8)  # narrower sub-image boxes widen with original pixels
    max_side: int = Field(512, ge=32)  # images are downscaled to this long side first
    segment_side: int = Field(128, ge=32)  # the segmentation runs on a copy this small
    segment_weight: float = Field(0.5, ge=0)  # weight of the region-count term
    unstable_above: float = Field(0.25, ge=0, le=1)  # flag images above this instability
    chunk: int = Field(64, ge=1)  # images prepared and sent together
    seed: int = 0


@dataclass
class _Prepared:
    """One image ready to ask about: its boxes (whole image first) and region areas."""

    image_id: str
    path: Path
    pixels: Optional[np.ndarray] = None
    regions: int = 0
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # distinct crops
    areas: list[tuple[int, float]] = field(default_factory=list)  # (box index, area share)
    error: Optional[str] = None


@dataclass
class ImageLabel:
    """The labeller's result for one image (``score`` None when it was rejected)."""

    image_id: str
    path: Path
    score: Optional[float] = None
    global_score: Optional[float] = None
    local_score: Optional[float] = None
    score_std: Optional[float] = None
    regions: int = 0
    units: int = 0
    answers: list[int] = field(default_factory=list)  # whole-image answers
    instability: Optional[float] = None
    local_instability: Optional[float] = None
    unstable: bool = False
    error: Optional[str] = None


class Crop:
    """One (sub-)image asked about ``asks`` times: hashed once, PNG-encoded once (on the first
    request that needs it), shared by all its asks."""

    def __init__(self, pixels: np.ndarray, what: str):
        self.pixels = pixels
        self.what = what
        self.digest = image_digest(pixels, what)
        self._encoded: Optional[EncodedImage] = None
        self._lock = threading.Lock()

    def encoded(self) -> EncodedImage:
        with self._lock:
            if self._encoded is None:
                self._encoded = encode_image(self.pixels, self.what, self.digest)
            return self._encoded


class RatingJob(LLMJob):
    """One ask: a crop and the seven-word standard; the reply must be one score."""

    prompt_version = LABELLER_PROMPT_VERSION

    def __init__(self, config: LLMConfig, key: str, seed: int, crop: Crop):
        self.config, self.key, self.seed, self.crop = config, key, seed, crop
        self.images = [("image", crop.pixels)]
        self.digests = {"image": crop.digest}

    def encoded(self) -> dict[str, EncodedImage]:
        return {"image": self.crop.encoded()}

    def messages(self, encoded):
        return rating_messages(encoded["image"])

    def check(self, reply: Reply) -> tuple[list[str], Any]:
        score, reasons = read_score(reply.content, reply.finish_reason)
        return reasons, score


def _prepare(path: Path, root: Path, config: LabelConfig) -> _Prepared:
    item = _Prepared(path.relative_to(root).as_posix(), path)
    try:
        pixels = load_image(path)
    except ImageError as exc:
        item.error = exc.reason
        return item
    h, w = pixels.shape[:2]
    if max(h, w) > config.max_side:
        f = config.max_side / max(h, w)
        pixels = cv2.resize(pixels, (max(1, round(w * f)), max(1, round(h * f))),
                            interpolation=cv2.INTER_AREA)
        h, w = pixels.shape[:2]
    seg = segment(pixels, min_area=config.min_area, max_segments=config.max_segments,
                  min_crop=config.min_crop, segment_side=config.segment_side)
    item.pixels, item.regions = pixels, seg.regions
    item.boxes = [(0, h, 0, w)]
    for unit in seg.units:
        if unit.box not in item.boxes:  # one crop is asked about once, whoever needs it
            item.boxes.append(unit.box)
        item.areas.append((item.boxes.index(unit.box), unit.area))
    return item


def _jobs(items: Sequence[_Prepared], llm: LLMConfig, config: LabelConfig
          ) -> list[tuple[int, int, RatingJob]]:
    out = []
    for i, item in enumerate(items):
        if item.error:
            continue
        for b, (y0, y1, x0, x1) in enumerate(item.boxes):
            crop = Crop(np.ascontiguousarray(item.pixels[y0:y1, x0:x1]),
                        f"{item.image_id} crop {(y0, y1, x0, x1)}")
            for ask in range(config.asks):
                key = f"label:{item.image_id}:{y0},{y1},{x0},{x1}:{ask}"
                out.append((i, b, RatingJob(llm, key, config.seed, crop)))
    return out


def _score(item: _Prepared, answers: list[list[int]], reasons: list[list[str]],
           config: LabelConfig) -> ImageLabel:
    label = ImageLabel(item.image_id, item.path, regions=item.regions, units=len(item.areas))
    for b, got in enumerate(answers):
        if not got:
            what = "the whole image" if b == 0 else f"sub-image {item.boxes[b]}"
            why = "; ".join(reasons[b][-3:]) or "no reply"
            label.error = f"no usable score for {what} in {config.asks} ask(s): {why}"
            return label
    label.answers = answers[0]
    label.global_score = aggregate.mean(answers[0])
    label.score_std = aggregate.spread(answers[0])
    label.local_score = aggregate.local_score([aggregate.mean(answers[b]) for b, _ in item.areas],
                                              [a for _, a in item.areas])
    label.instability = aggregate.instability(answers[0])
    sub = [b for b in range(1, len(answers))]
    if sub:
        differ = sum(aggregate.instability(answers[b]) * len(answers[b]) for b in sub)
        label.local_instability = differ / sum(len(answers[b]) for b in sub)
    label.unstable = label.instability > config.unstable_above
    return label


def label_images(images: str | Path, llm: LLMConfig, config: Optional[LabelConfig] = None,
                 progress: Optional[Callable[[int, int], None]] = None) -> dict:
    """Label every image under ``images``; returns ``{"labels": [ImageLabel], "usage": ...,
    "seconds": ...}`` with final scores filled in (see ``aggregate``)."""
    config = config or LabelConfig()
    root = Path(images)
    paths = list_images(root)
    if not paths:
        raise FileNotFoundError(f"{root}: no image files to label")
    started = time.perf_counter()
    engine = Engine(llm)
    labels: list[ImageLabel] = []
    # A small first chunk gets requests going after a few images are prepared rather than a
    # whole chunk (segmenting 64 images is over a second of idle slots at the start).
    first = max(1, config.chunk // 8)
    chunks = [paths[:first]] + [paths[i:i + config.chunk]
                                for i in range(first, len(paths), config.chunk)]
    try:
        # One thread prepares the next chunk; two chunks are asked about at once, so the
        # engine's slots stay full while one chunk's last requests are in flight.
        with ThreadPoolExecutor(1, thread_name_prefix="label-prepare") as prep, \
                ThreadPoolExecutor(2, thread_name_prefix="label-ask") as asking:
            prepared = [prep.submit(lambda c=c: [_prepare(p, root, config) for p in c])
                        for c in chunks[:2]]
            asked = []
            for n in range(len(chunks)):
                items = prepared[n].result()
                if n + 2 < len(chunks):
                    prepared.append(prep.submit(
                        lambda c=chunks[n + 2]: [_prepare(p, root, config) for p in c]))
                asked.append(asking.submit(_ask, items, engine, llm, config))
                if n >= 1:  # collect in order, keeping two chunks in flight
                    labels += asked[n - 1].result()
                    prepared[n - 1] = None
                    if progress:
                        progress(len(labels), len(paths))
            labels += asked[-1].result()
            if progress:
                progress(len(labels), len(paths))
    finally:
        engine.close()
    done = [x for x in labels if x.error is None]
    if done:
        c_max = max(x.regions for x in done)
        for x in done:
            x.score = aggregate.final_score(x.global_score, x.local_score, x.regions, c_max,
                                            config.segment_weight)
    return {"labels": labels, "usage": engine.usage, "max_regions": max(
        (x.regions for x in done), default=0), "seconds": time.perf_counter() - started}


def _ask(items: list[_Prepared], engine: Engine, llm: LLMConfig,
         config: LabelConfig) -> list[ImageLabel]:
    jobs = _jobs(items, llm, config)
    histories: list[History] = engine.run([job for _, _, job in jobs])
    answers = {i: [[] for _ in item.boxes] for i, item in enumerate(items)}
    reasons = {i: [[] for _ in item.boxes] for i, item in enumerate(items)}
    for (i, b, _), history in zip(jobs, histories):
        if history.accepted is not None:
            answers[i][b].append(int(history.accepted.detail))
        else:
            reasons[i][b] += history.reasons()
    out = []
    for i, item in enumerate(items):
        if item.error:
            out.append(ImageLabel(item.image_id, item.path, error=item.error))
        else:
            out.append(_score(item, answers[i], reasons[i], config))
        item.pixels = None
    return out


__all__ = ["ImageLabel", "LabelConfig", "LEVELS", "RatingJob", "label_images"]
