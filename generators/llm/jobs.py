"""Requests → jobs: the prompt and cache key of each attempt, and how its reply is judged."""

from __future__ import annotations

import dataclasses
from functools import cached_property
from typing import Any, Optional

import numpy as np

from iqa_datagen.distortions.registry import BUILTIN_NAMES, CategoryNames
from iqa_datagen.seeding import derive_seed
from iqa_datagen.tasks import TASKS

from ..base import DetailedRequest, ExpansionRequest
from .cache import request_key
from .checking import Offload
from .config import LLMConfig
from .engine import Call
from .prompts import (PROMPT_VERSION, EncodedImage, encode_image, expansion_messages, image_digest,
                      placeholder_image)
from .transport import Reply
from .validation import claimed_winner, validate_expansion

CACHE_FORMAT = 1  # bump to invalidate every cached reply


def attempt_seed(seed: int, key: str, attempt: int) -> int:
    """The sampling seed sent with attempt ``attempt`` of sample ``key`` (31 bits: any server)."""
    return derive_seed(seed, "llm", key, attempt) % (2 ** 31)


class _Job:
    """Common part: images (hashed up front, encoded only when a request is sent) and bodies.

    Subclasses give ``messages`` and ``check``; ``prompt_version`` goes into every cache key.
    """

    prompt_version = PROMPT_VERSION

    def __init__(self, config: LLMConfig, key: str, seed: int,
                 images: list[tuple[str, np.ndarray]]):
        self.config = config
        self.key = key
        self.seed = seed
        self.images = images
        self.digests = {role: image_digest(img, f"request {key!r}: {role}")
                        for role, img in images}

    def messages(self, encoded: dict[str, EncodedImage]) -> list[dict]:
        raise NotImplementedError

    def extra_body(self) -> dict:
        return {}

    def offload(self, reply: Reply) -> Optional[Offload]:
        """``check(reply)`` for a worker process (see ``checking``); None: check here."""
        return None

    @cached_property
    def _key_messages(self) -> list[dict]:
        return self.messages({r: placeholder_image(d) for r, d in self.digests.items()})

    def _sampling(self, attempt: int) -> dict:
        return {"model": self.config.model, "temperature": self.config.temperature,
                "max_tokens": self.config.max_tokens,
                "seed": attempt_seed(self.seed, self.key, attempt), **self.extra_body()}

    def call(self, attempt: int) -> Call:
        sampling = self._sampling(attempt)
        key = request_key({"format": CACHE_FORMAT, "prompt_version": self.prompt_version,
                           "attempt": attempt, "messages": self._key_messages, **sampling})

        def build_body() -> dict:
            return {**sampling, "messages": self.messages(self.encoded())}

        return Call(key, build_body)

    def encoded(self) -> dict[str, EncodedImage]:
        """The images as sent (encoded afresh for each request body unless overridden)."""
        return {role: encode_image(img, f"request {self.key!r}: {role}", self.digests[role])
                for role, img in self.images}


class DetailedJob(_Job):
    """A detailed response: the task declares its prompt and how a reply is checked."""

    def __init__(self, config: LLMConfig, request: DetailedRequest,
                 names: CategoryNames = BUILTIN_NAMES, sample: int = 0):
        self.task = TASKS.detailed(request.task)
        # Sample 0 keeps the request's key (and cache entries); others get their own seeds.
        key = request.key if sample == 0 else f"{request.key}#sample{sample}"
        super().__init__(config, key, request.seed, self.task.image_roles(request))
        self.request = request
        self.names = names

    def messages(self, encoded):
        return self.task.llm_messages(self.request, encoded, self.names)

    def check(self, reply: Reply) -> tuple[list[str], Any]:
        return self.task.llm_check(self.request, reply, self.names)

    def offload(self, reply: Reply) -> Optional[Offload]:
        if not self.task.llm_check_offload:
            return None
        facts = dataclasses.replace(self.request, image_ref=None, image_a=None, image_b=None)
        return task_check, (self.task, facts, reply, self.names)


def task_check(task, request: DetailedRequest, reply: Reply, names) -> tuple[list[str], Any]:
    """A detailed task's check, as a worker process runs it."""
    return task.llm_check(request, reply, names)


class ExpansionJob(_Job):
    def __init__(self, config: LLMConfig, request: ExpansionRequest,
                 names: CategoryNames = BUILTIN_NAMES):
        task = TASKS.detailed(request.task)
        if not request.response or not request.response.strip():
            raise ValueError(f"request {request.key!r}: the detailed response to expand is empty")
        if request.k < 1:
            raise ValueError(f"request {request.key!r}: k must be at least 1, got {request.k}")
        images = [(role, img) for role, img in (("image_a", request.image_a),
                                                ("image_b", request.image_b)) if img is not None]
        super().__init__(config, request.key, request.seed, images)
        self.request = request
        self.paired = task.paired
        self.names = names

    def messages(self, encoded):
        r = self.request
        captions = {"image_a": "Image A:", "image_b": "Image B:"}
        return expansion_messages(self.paired, r.response, r.k, r.distortions_a, r.distortions_b,
                                  r.verdict, self.names, [(captions[role], encoded[role])
                                                          for role, _ in self.images])

    def extra_body(self) -> dict:
        return {"response_format": {"type": "json_object"}} if self.config.json_mode else {}

    def expected_winner(self) -> Optional[str]:
        verdict = self.request.verdict
        if verdict is None:
            return None
        if verdict.overruled:  # the detailed response concluded the other way
            return claimed_winner(self.request.response) or ("B" if verdict.winner == "A"
                                                             else "A")
        return verdict.winner

    def check(self, reply: Reply) -> tuple[list[str], Any]:
        function, args = self.offload(reply)
        return function(*args)

    def offload(self, reply: Reply) -> Offload:
        r = self.request
        return validate_expansion, (reply.content, r.k, r.distortions_a, r.distortions_b,
                                    r.verdict, self.paired, reply.finish_reason,
                                    self.expected_winner())


LLMJob = _Job  # the public name of the base, for jobs defined elsewhere (the labeller)
