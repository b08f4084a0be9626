"""What a build will make and send, computed from names alone (no pixels, no Prefect, no files).

``--dry-run`` prints it; an LLM build prints its request count and cost estimate before the
first request. Counts are exact for the full-reference setting; the no-reference copy of a
sample is dropped when its distortions fail the no-reference filter or its text mentions the
reference, so those counts are upper bounds, as are the cost figures (every request at
``max_tokens``, every attempt of ``max_attempts`` spent).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from iqa_datagen.config import BuildConfig
from iqa_datagen.generators.llm.config import estimate_cost
from iqa_datagen.pipeline import generation
from iqa_datagen.pipeline.output import BATCH_DISCOUNT
from iqa_datagen.tasks import TASKS, DetailedTask

# Rough prompt size: the instructions and facts block, plus the detailed response an expansion
# request repeats (tokens; measured on this project's prompts, rounded up).
PROMPT_TEXT_TOKENS = {"detailed": 450, "expansion": 700}
ASPECT = 1.5  # long side / short side of a typical reference after resizing


def image_tokens(short_side: int | None) -> int:
    """Vision tokens of one image at OpenAI's high detail: 85 + 170 per 512-pixel tile."""
    short = short_side or 768
    short, long_ = min(short, 768), min(short * ASPECT, 2048)
    return 85 + 170 * math.ceil(short / 512) * math.ceil(long_ / 512)


@dataclass
class BuildPlan:
    references: int
    shards: int
    mos_pairs: int
    records: dict[str, dict[str, int]] = field(default_factory=dict)  # task → setting → n
    requests: dict[str, int] = field(default_factory=dict)  # "detailed", "expansion"
    max_requests: int = 0  # with every validation attempt spent
    prompt_tokens: int = 0  # of the first attempts
    completion_tokens: int = 0  # at most (max_tokens each)
    cost_usd: float = 0.0  # of the first attempts, at most
    max_cost_usd: float = 0.0  # with every attempt spent

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def llm_line(self) -> str:
        """One line for the log before the first request."""
        return (f"LLM: {sum(self.requests.values())} requests "
                f"({', '.join(f'{k} {v}' for k, v in self.requests.items())}; up to "
                f"{self.max_requests} with re-asks), ~{self.prompt_tokens} prompt + "
                f"<={self.completion_tokens} completion tokens, ~${self.cost_usd:.2f} "
                f"(at most ${self.max_cost_usd:.2f}); replies already cached cost nothing")


def build_plan(cfg: BuildConfig) -> BuildPlan:
    """Records per task and setting, LLM requests, tokens and cost of building ``cfg``."""
    from iqa_datagen.pipeline.mos import MosScoreItem, collect_mos
    from iqa_datagen.pipeline.references import discover, make_shards

    refs = discover(cfg)
    mos = collect_mos(cfg) if cfg.mos else []
    rated = [m for m in mos if isinstance(m, MosScoreItem)]  # rated images (quality scoring)
    n, t = len(refs), cfg.tasks
    plan = BuildPlan(references=n, shards=len(make_shards(refs, cfg.run.shard_size)),
                     mos_pairs=len(mos) - len(rated))

    def add(task: str, count: int, no_reference: int | None = None) -> None:
        nr = count if no_reference is None else no_reference
        if count or nr:
            plan.records[task] = {"full_reference": count, "no_reference": nr}

    detailed = {}  # detailed task → (samples, distorted images per sample)
    for task in TASKS:
        count = n * int(getattr(t, task.count_field)) if task.count_field else 0
        if task.name == "instant_rating" and cfg.mos:
            count = plan.mos_pairs  # human-rated pairs replace the generated ones
        if task.name == "quality_scoring" and cfg.mos:
            if rated and not _calibrated(cfg, rated):
                count = 0  # the rated images give the scoring records instead of the library
            with_ref = sum(item.entry.has_reference for item in rated)
            add(task.name, count + with_ref, count + len(rated))  # no reference: every image
            continue
        if isinstance(task, DetailedTask):
            detailed[task.name] = (count, task.images or 1)
        add(task.name, count)
    samples = sum(c for c, _ in detailed.values())
    if cfg.expansion.mode != "off":
        add("qa_expansion", samples * cfg.expansion.k)

    if generation.uses_llm(cfg):
        llm = cfg.llm
        per_image = image_tokens(cfg.references.short_side)
        prompt = 0
        if generation.llm_detailed(cfg):
            plan.requests["detailed"] = samples
            for count, images in detailed.values():  # the reference and the distorted images
                prompt += count * (PROMPT_TEXT_TOKENS["detailed"] + (images + 1) * per_image)
        if generation.llm_expansion(cfg):
            plan.requests["expansion"] = samples
            for count, images in detailed.values():  # the distorted images only
                prompt += count * (PROMPT_TEXT_TOKENS["expansion"] + images * per_image)
        total = sum(plan.requests.values())
        plan.max_requests = total * llm.max_attempts
        plan.prompt_tokens = prompt
        plan.completion_tokens = total * llm.max_tokens
        discount = BATCH_DISCOUNT if llm.batch else 1.0
        plan.cost_usd = round(discount * estimate_cost(
            prompt, plan.completion_tokens, llm.price_prompt_per_1k,
            llm.price_completion_per_1k), 4)
        plan.max_cost_usd = round(plan.cost_usd * llm.max_attempts, 4)
    return plan


def _calibrated(cfg: BuildConfig, rated: list) -> bool:
    """Whether the build can calibrate the library's scores on the rated images (an assistant
    and at least two rated training images with a reference; unreadable ones cannot be known
    here, so this is the optimistic answer)."""
    from iqa_datagen.pipeline.calibration import MIN_RATED, calibration_items

    return cfg.assistant.enabled and len(calibration_items(cfg, rated)) >= MIN_RATED


def describe(plan: BuildPlan, cfg: BuildConfig) -> str:
    """The plan as a table for people (``build --dry-run``)."""
    lines = [f"plan: {plan.references} references in {plan.shards} shards"
             + (f", {plan.mos_pairs} MOS pairs" if plan.mos_pairs else ""),
             f"  {'task':<27} {'full_reference':>15} {'no_reference':>15}"]
    for task, by_setting in plan.records.items():
        lines.append(f"  {task:<27} {by_setting['full_reference']:>15} "
                     f"{'<=' + str(by_setting['no_reference']):>15}")
    writer = generation.detailed_writer(cfg)
    writer = f"LLM {cfg.llm.model}" if writer == "llm" else f"{writer} writer"
    lines.append(f"  detailed responses by the {writer}; QA expansion: "
                 f"{generation.expansion_writer(cfg) or 'off'}")
    lines.append("  " + (plan.llm_line() if plan.requests else "LLM: no requests"))
    lines.append("  dry run: nothing was written")
    return "\n".join(lines)
