"""The two LLM generators the build uses: detailed responses and question–answer expansion."""

from __future__ import annotations

from iqa_datagen.distortions.registry import BUILTIN_NAMES, CategoryNames

from ..base import DetailedRequest, DetailedResult, ExpansionRequest, ExpansionResult, QAPair
from .config import LLMConfig
from .engine import Engine, Usage
from .jobs import DetailedJob, ExpansionJob
from .prompts import PROMPT_VERSION

GENERATOR_VERSION = "1"


class _LLMGenerator:
    def __init__(self, config: LLMConfig, names: CategoryNames = BUILTIN_NAMES):
        if not isinstance(config, LLMConfig):
            raise TypeError(f"config must be an LLMConfig, got {type(config).__name__}")
        self.config = config
        self.names = names  # the build registry's category names (plugins included)
        self.name = f"llm:{config.model}"
        self._engine = Engine(config)

    @property
    def usage(self) -> Usage:
        """Requests, cache hits, rejections and tokens so far, with the estimated cost."""
        return self._engine.usage

    def close(self) -> None:
        """Release the HTTP connections and the background loop thread."""
        self._engine.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.config.model!r}, " \
               f"base_url={self.config.base_url!r})"


class LLMDetailedGenerator(_LLMGenerator):
    """GT-informed assessment and comparison responses from an OpenAI-compatible server."""

    def generate(self, requests: list[DetailedRequest]) -> list[DetailedResult]:
        from ..two_stage import conclusion_of  # it imports this package's validation

        n = self.config.samples_per_request
        jobs = [DetailedJob(self.config, r, self.names, j) for r in requests for j in range(n)]
        histories = self._engine.run(jobs)
        results = []
        for i, request in enumerate(requests):
            samples = histories[i * n:(i + 1) * n]
            accepted = [h.accepted for h in samples if h.accepted is not None]
            first = accepted[0] if accepted else None
            reasons = [] if first else samples[0].reasons()
            stable = None
            if n > 1 and len(accepted) > 1:
                conclusions = [conclusion_of(request.task, a.reply.content) for a in accepted]
                stable = len(set(conclusions)) == 1
                if not stable:
                    reasons = [f"unstable conclusion over {len(accepted)} samples: "
                               + ", ".join(str(c) for c in conclusions)]
                    first = None
            results.append(DetailedResult(
                key=request.key, text=first.reply.content.strip() if first else None,
                generator=self.name, generator_version=GENERATOR_VERSION,
                prompt_version=PROMPT_VERSION, overruled=bool(first and first.detail),
                reject_reasons=reasons, attempts=sum(len(h.attempts) for h in samples),
                prompt_tokens=sum(h.prompt_tokens for h in samples),
                completion_tokens=sum(h.completion_tokens for h in samples),
                cached=all(h.all_cached for h in samples), stable=stable,
                # no sample accepted and one could not be asked: missing, asked again later
                error=None if accepted else next((h.failed for h in samples if h.failed),
                                                 None)))
        return results


class LLMExpansionGenerator(_LLMGenerator):
    """k new question/answer pairs per detailed response, consistent with the labels."""

    def expand(self, requests: list[ExpansionRequest]) -> list[ExpansionResult]:
        jobs = [ExpansionJob(self.config, r, self.names) for r in requests]
        results = []
        for request, history in zip(requests, self._engine.run(jobs)):
            accepted = history.accepted
            pairs = [QAPair(p["question"].strip(), p["answer"].strip())
                     for p in accepted.detail] if accepted else []
            results.append(ExpansionResult(
                key=request.key, pairs=pairs, generator=self.name,
                generator_version=GENERATOR_VERSION, prompt_version=PROMPT_VERSION,
                reject_reasons=[] if accepted else history.reasons(),
                prompt_tokens=history.prompt_tokens,
                completion_tokens=history.completion_tokens, error=history.failed))
        return results
