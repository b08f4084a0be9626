"""Two-stage reasoning from an LLM: a perception call (images → visible attributes, no verdict),
then an inference call (that description as text → the verdict).

Both prompts carry the private notes (distortions with grades, the verdict for a pair) in the
facts layout of ``prompts``: the perception answer must describe every listed degradation and is
forbidden any verdict; the inference answer must conclude from the description in one or two
sentences with the level word (and the winner) that fits the notes. Replies are checked by
``generators.two_stage`` (a perception answer with any verdict word, or an inference answer whose
level or winner disagrees with the ground truth, is rejected and retried with a new seed; what
still fails is recorded in the rejects table).
"""

from __future__ import annotations

from typing import Any

from iqa_datagen.distortions.registry import BUILTIN_NAMES, CategoryNames
from iqa_datagen.generators import two_stage as rules
from iqa_datagen.generators.two_stage import TwoStageRequest, TwoStageResult

from .checking import Offload
from .config import LLMConfig
from .engine import Engine
from .jobs import _Job
from .prompts import _SYSTEM, _image_parts, describe_labels, describe_verdict
from .transport import Reply

PROMPT_VERSION = "llm-two-stage/1"
GENERATOR_VERSION = "1"

_PERCEPTION_TASK = (
    "Describe only what is visible in {subject}, in one paragraph of 50-{hi} words: the "
    "content in a sentence, then each degradation in the notes named plainly (for example "
    "'blur', 'noise', 'JPEG compression artifacts', 'underexposure') with how strong it is, "
    "where it shows and which details, textures, edges or colours it affects; also sharpness, "
    "exposure, contrast and colour where they stand out. Do NOT judge: no overall verdict, no "
    "quality rating, no words such as 'quality', 'overall', 'good', 'poor', 'acceptable'"
    "{pair_rule}. Plain prose only."
)
_INFERENCE_TASK = (
    "Below is a description of {subject}. Conclude from the described attributes alone, in one "
    "or two sentences: name the strongest described problem(s) and {conclusion}. Do not add "
    "attributes the description does not state. Plain prose only."
)


def _facts(stage: str, request: TwoStageRequest, names: CategoryNames) -> str:
    """The private notes in the facts layout; the verdict only where the stage concludes."""
    paired = request.task == "comparison_reasoning"
    facts = (f"Private notes:\nTask: {stage}, {'pair' if paired else 'single'}\n"
             f"- Image A: {describe_labels(request.distortions_a, names)}\n")
    if paired:
        facts += f"- Image B: {describe_labels(request.distortions_b, names)}\n"
        if stage == "inference":
            facts += f"{describe_verdict(request.verdict)}\n"
    return facts


def perception_messages(task: str, encoded: dict, request: TwoStageRequest,
                        names: CategoryNames = BUILTIN_NAMES) -> list[dict]:
    paired = task == "comparison_reasoning"
    facts = _facts("perception", request, names)
    text = _PERCEPTION_TASK.format(
        subject="Image A and Image B (describe each)" if paired else "Image A",
        hi=150 if paired else 90,
        pair_rule=", and never say which image is better" if paired else "")
    images = [("Undistorted version (for your eyes only):", encoded["image_ref"]),
              ("Image A:", encoded["image_a"])]
    if paired:
        images.append(("Image B:", encoded["image_b"]))
    content = _image_parts(images)
    content.append({"type": "text", "text": facts + "\n" + text})
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": content}]


def inference_messages(task: str, request: TwoStageRequest, perception: str,
                       names: CategoryNames = BUILTIN_NAMES) -> list[dict]:
    paired = task == "comparison_reasoning"
    facts = _facts("inference", request, names)
    conclusion = ("end by naming the better image, as in 'so Image A is the better image'"
                  if paired else "end with the overall quality as one level word, as in 'so "
                                 "the overall quality is poor' (good, acceptable, fair, "
                                 "mediocre, poor or very poor)")
    text = (facts + "\nDescription:\n" + perception.strip() + "\n\n"
            + _INFERENCE_TASK.format(subject="two images" if paired else "an image",
                                     conclusion=conclusion))
    return [{"role": "system", "content": _SYSTEM},
            {"role": "user", "content": [{"type": "text", "text": text}]}]


class PerceptionJob(_Job):
    def __init__(self, config: LLMConfig, request: TwoStageRequest,
                 names: CategoryNames = BUILTIN_NAMES):
        images = [("image_ref", request.image_ref), ("image_a", request.image_a)]
        if request.task == "comparison_reasoning":
            images.append(("image_b", request.image_b))
        super().__init__(config, f"{request.key}:perception", request.seed, images)
        self.request = request
        self.names = names

    def messages(self, encoded):
        return perception_messages(self.request.task, encoded, self.request, self.names)

    def check(self, reply: Reply) -> tuple[list[str], Any]:
        function, args = self.offload(reply)
        return function(*args)

    def offload(self, reply: Reply) -> Offload:
        r = self.request
        return _perception_check, (reply, r.distortions_a, r.distortions_b, self.names)


class InferenceJob(_Job):
    def __init__(self, config: LLMConfig, request: TwoStageRequest, perception: str,
                 names: CategoryNames = BUILTIN_NAMES):
        super().__init__(config, f"{request.key}:inference", request.seed, [])
        self.request = request
        self.perception = perception
        self.names = names

    def messages(self, encoded):
        return inference_messages(self.request.task, self.request, self.perception, self.names)

    def check(self, reply: Reply) -> tuple[list[str], Any]:
        function, args = self.offload(reply)
        return function(*args)

    def offload(self, reply: Reply) -> Offload:
        r = self.request
        return _inference_check, (reply, r.task, r.distortions_a, r.distortions_b, r.verdict)


_TRUNCATED = ["truncated: finish_reason is 'length' (max_tokens reached)"]


def _perception_check(reply: Reply, labels_a, labels_b, names) -> tuple[list[str], Any]:
    if reply.finish_reason == "length":
        return list(_TRUNCATED), None
    return rules.perception_reasons(reply.content, labels_a, labels_b, names), None


def _inference_check(reply: Reply, task, labels_a, labels_b, verdict) -> tuple[list[str], Any]:
    if reply.finish_reason == "length":
        return list(_TRUNCATED), None
    return rules.inference_reasons(reply.content, task, labels_a, labels_b, verdict), None


class LLMTwoStageGenerator:
    """Perception then inference for each request, through the shared attempt loop."""

    def __init__(self, config: LLMConfig, names: CategoryNames = BUILTIN_NAMES):
        self.config = config
        self.names = names
        self.name = f"llm:{config.model}"
        self._engine = Engine(config)

    @property
    def usage(self):
        return self._engine.usage

    def close(self) -> None:
        self._engine.close()

    def run(self, requests: list[TwoStageRequest]) -> list[TwoStageResult]:
        results = [TwoStageResult(key=r.key, generator=self.name,
                                  generator_version=GENERATOR_VERSION,
                                  prompt_version=PROMPT_VERSION) for r in requests]
        pairs = list(zip(requests, results))
        perceived = self._stage("perception", pairs,
                                [PerceptionJob(self.config, r, self.names) for r in requests])
        self._stage("inference", perceived,
                    [InferenceJob(self.config, r, res.perception, self.names)
                     for r, res in perceived])
        return results

    def _stage(self, stage: str, pairs: list, jobs: list) -> list:
        """Run one stage's jobs; store accepted text on each result (else its reasons) and
        return the (request, result) pairs that passed."""
        passed = []
        for (request, result), history in zip(pairs, self._engine.run(jobs)):
            result.prompt_tokens += history.prompt_tokens
            result.completion_tokens += history.completion_tokens
            if history.accepted is None:
                result.reject_reasons = [f"{stage} {r}" for r in history.reasons()]
                continue
            setattr(result, stage, history.accepted.reply.content.strip())
            passed.append((request, result))
        return passed
