"""A local OpenAI-compatible HTTP server for tests and benchmarks (no network, no model).

Speaks the subset the LLM layer uses: chat completions, file upload/download, and the Batch API.
It runs uvicorn on 127.0.0.1 (a free port) in a background thread; requests are asyncio tasks, so
a fixed latency costs no thread and many requests overlap, as against a real server.

By default a chat completion is a plausible answer *read back from the prompt's facts block*
(``Task:``, ``- Image A: ...``, ``Better image: ...``; see ``generators.llm.prompts``): it names
every stated distortion with its grade, ends with an overall rating or names the stated winner,
and fits the length limits; expansion prompts get JSON pairs that agree with the facts.
A rating prompt ("Answer with one whole number from 1 to K.", the labeller's) gets a score read
from the image itself: ``1 + round((K - 1) * mean pixel value / 255)``, so a test can compute
the expected answer of every (sub-)image by hand.
``script([...])`` queues behaviours consumed one per chat completion (or batch line):

=============  ===============================================================================
``ok``         the default answer
``429``        HTTP 429 with ``Retry-After`` (``Behaviour("429", retry_after="2")``; may be a date)
``500``        HTTP 500;  ``400``: HTTP 400 (not retryable);  ``403``: HTTP 403 (key refused)
``hang``       no answer for ``seconds`` (default: ``hang_seconds``), i.e. past a client timeout
``malformed``  HTTP 200 with a truncated JSON body
``empty``      empty content;  ``refusal``: a refusal;  ``length``: cut off, finish_reason length
``reference``  the default answer plus a sentence about a reference image
``contradict`` comparison: names the other winner; expansion: a yes/no answer that denies a
               present distortion (or claims an absent one); two-stage perception: leaks an
               overall verdict; two-stage inference: the wrong level word or winner
``overrule``   comparison: names the other winner, explicitly ("On closer inspection, ...")
``text``       ``Behaviour("text", text="...")``: exactly that content
=============  ===============================================================================

Usage::

    with FakeOpenAIServer(latency=0.2) as srv:
        srv.script(["429", "refusal"])
        client = OpenAI(base_url=srv.base_url, api_key=srv.api_key)
        ...
        srv.counts["chat.completions"]

The bearer token is checked (401 otherwise) and never logged or echoed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import contextlib
import email.parser
import email.policy
import itertools
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Iterable, Optional, Union

import cv2
import numpy as np
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

KINDS = ("ok", "429", "500", "400", "403", "hang", "malformed", "empty", "refusal", "length",
         "reference", "contradict", "overrule", "text")
_HTTP_FAULTS = ("429", "500", "400", "403", "hang", "malformed")


@dataclass(frozen=True)
class Behaviour:
    """One scripted reaction of the server to a chat completion."""

    kind: str
    retry_after: Optional[str] = "1"  # for 429: seconds or an HTTP date
    seconds: Optional[float] = None  # for hang
    text: Optional[str] = None  # for text

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown fake-server behaviour {self.kind!r}; known: {KINDS}")


BehaviourLike = Union[str, Behaviour]


# ---------------------------------------------------------------- default answers from the prompt

@dataclass(frozen=True)
class PromptFacts:
    task: str  # assessment | comparison | expansion
    labels_a: tuple[tuple[str, str], ...]  # (gt phrase, grade)
    labels_b: tuple[tuple[str, str], ...]
    winner: Optional[str]
    k: int = 3
    paired: bool = False


def _prompt_text(messages: list) -> str:
    texts = []
    for message in messages or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts += [p.get("text", "") for p in content if isinstance(p, dict)
                      and p.get("type") == "text"]
    return "\n".join(texts)


def _parse_labels(text: Optional[str]) -> tuple[tuple[str, str], ...]:
    if not text or text.strip().startswith("none"):
        return ()
    labels = []
    for part in text.split(";"):
        match = re.match(r"\s*(.+?)\s*\(([a-z]+)", part)
        if match:
            labels.append((match.group(1), match.group(2)))
    return tuple(labels)


def read_facts(messages: list) -> Optional[PromptFacts]:
    """The ground truth a prompt states, or None when it has no facts block."""
    text = _prompt_text(messages)
    task = re.search(r"^Task: (assessment|comparison|expansion|perception|inference)"
                     r"(?:, k=(\d+))?(?:, (pair|single))?", text, re.M)
    if not task:
        return None
    a = re.search(r"^- Image A: (.*)$", text, re.M)
    b = re.search(r"^- Image B: (.*)$", text, re.M)
    winner = re.search(r"^Better image: Image ([AB])", text, re.M)
    labels_a, labels_b = _parse_labels(a and a.group(1)), _parse_labels(b and b.group(1))
    paired = task.group(1) == "comparison" or task.group(3) == "pair"
    w = winner.group(1) if winner else None
    if paired and w is None:
        w = "A" if len(labels_a) <= len(labels_b) else "B"
    return PromptFacts(task.group(1), labels_a, labels_b, w, int(task.group(2) or 3), paired)


def _describe(labels) -> str:
    if not labels:
        return "no visible degradation"
    return " and ".join(f"{grade} {gt}" for gt, grade in labels)


def _rating(labels) -> str:
    if not labels:
        return "good"
    worst = max(("slight", "moderate", "obvious", "serious", "catastrophic").index(g)
                if g in ("slight", "moderate", "obvious", "serious", "catastrophic") else 2
                for _, g in labels)
    return ("fair", "fair", "poor", "poor", "very poor")[worst]


def _assessment(facts: PromptFacts, kind: str) -> str:
    parts = ["The picture shows an everyday scene with a clear main subject set against a "
             "simple background."]
    if facts.labels_a:
        for gt, grade in facts.labels_a:
            parts.append(f"It suffers from {grade} {gt}, which hides fine texture, weakens "
                         f"edges and makes small details harder to read.")
        parts.append("The large shapes and the layout of the scene remain easy to follow.")
    else:
        parts.append("No visible degradation affects it: edges are crisp, textures are intact "
                     "and the colours look natural and well balanced throughout the frame.")
        parts.append("Small structures and gentle gradients are rendered faithfully from one "
                     "corner of the frame to the other.")
    if kind == "reference":
        parts.append("Compared with the reference image, the damage is easy to see.")
    parts.append(f"Overall, the image quality is {_rating(facts.labels_a)}.")
    return " ".join(parts)


def _image_sentences(images) -> list[str]:
    """One sentence per (subject, labels): what the degradations do, or that there are none."""
    return [f"{subject} shows {_describe(labels)}, which obscures fine texture and softens the "
            f"outlines of the subject." if labels else
            f"{subject} shows no visible degradation and keeps its details."
            for subject, labels in images]


def _comparison(facts: PromptFacts, kind: str) -> str:
    winner = facts.winner or "A"
    loser = "B" if winner == "A" else "A"
    parts = ["Both pictures show the same everyday scene with a clear main subject."]
    parts += _image_sentences((("Image A", facts.labels_a), ("Image B", facts.labels_b)))
    parts.append("The layout and the main shapes are the same in both, so the difference lies "
                 "in how much fine detail each one keeps.")
    if kind == "reference":
        parts.append("Against the reference image the differences are plain.")
    if kind == "contradict":
        parts.append(f"Therefore, Image {loser} is better than Image {winner}.")
    elif kind == "overrule":
        parts.append(f"On closer inspection, Image {loser} is better than Image {winner}.")
    else:
        parts.append(f"Therefore, Image {winner} is better than Image {loser}.")
    return " ".join(parts)


_GRADES = ("slight", "moderate", "obvious", "serious", "catastrophic")
_LEVEL_WORDS = ("good", "acceptable", "fair", "mediocre", "poor", "very poor")


def _level(labels) -> str:
    """The level word of two-stage inference: worst grade's rank (slight 1 … catastrophic 5),
    one more when two labels are both obvious or worse; clean images are good."""
    if not labels:
        return _LEVEL_WORDS[0]
    ranks = [_GRADES.index(g) + 1 if g in _GRADES else 3 for _, g in labels]
    bonus = 1 if len(ranks) > 1 and min(ranks) >= 3 else 0
    return _LEVEL_WORDS[min(5, max(ranks) + bonus)]


def _perception(facts: PromptFacts, kind: str) -> str:
    """What is visible and nothing more; ``contradict`` leaks a verdict."""
    parts = ["The picture shows an everyday scene with a clear main subject."]
    parts += _image_sentences((("Image A", facts.labels_a), ("Image B", facts.labels_b))
                              if facts.paired else (("The image", facts.labels_a),))
    if kind == "contradict":
        parts.append("Overall, the image quality is poor.")
    return " ".join(parts)


def _inference(facts: PromptFacts, kind: str) -> str:
    """One sentence concluding from the facts; ``contradict`` gives the wrong level or winner."""
    if facts.paired:
        winner = facts.winner or "A"
        if kind == "contradict":
            winner = "B" if winner == "A" else "A"
        return (f"Image A is described with {_describe(facts.labels_a)} and Image B with "
                f"{_describe(facts.labels_b)}, so Image {winner} is the better image.")
    level = _level(facts.labels_a)
    if kind == "contradict":
        level = "good" if level != "good" else "very poor"
    return (f"The description reports {_describe(facts.labels_a)}, so the overall quality is "
            f"{level}.")


def _expansion(facts: PromptFacts, kind: str) -> str:
    labels = facts.labels_a
    subject = "Image A" if facts.paired else "the image"
    pairs = []
    if kind == "contradict":  # the faulty pair first, so it is inside the k returned
        pairs.append({"question": f"Is there {labels[0][0]} in {subject}?",
                      "answer": f"No, {subject} has no {labels[0][0]}."} if labels else
                     {"question": f"Is there noise in {subject}?",
                      "answer": "Yes, there is strong noise."})
    elif kind == "reference":
        pairs.append({"question": "How visible is the damage?",
                      "answer": "Compared with the reference, it is clearly visible."})
    pairs.append({"question": f"What kind of degradation affects {subject}?",
                  "answer": f"It shows {_describe(labels)}." if labels
                  else "None; it looks clean."})
    if labels:
        gt, grade = labels[0]
        pairs.append({"question": f"Is there {gt} in {subject}?",
                      "answer": f"Yes, {grade} {gt} is visible."})
    if facts.paired:
        pairs.append({"question": "Which image has better quality?",
                      "answer": f"Image {facts.winner} has better quality."})
    filler = ({"question": f"How does the quality of {subject} affect what it shows?",
               "answer": "Fine details are harder to make out, but the scene stays readable."},
              {"question": f"Where in {subject} is the quality problem most visible?",
               "answer": "Mostly in textured areas and along the edges of the subject."})
    for extra in itertools.cycle(filler):
        if len(pairs) >= facts.k:
            break
        pairs.append(dict(extra))
    return json.dumps({"pairs": pairs[:facts.k]})


_RATING = re.compile(r"Answer with one whole number from 1 to (\d+)\.")


def _first_image(messages: list) -> Optional[np.ndarray]:
    for message in messages or []:
        content = message.get("content") if isinstance(message, dict) else None
        for part in content if isinstance(content, list) else []:
            url = (part.get("image_url") or {}).get("url", "") if isinstance(part, dict) else ""
            if url.startswith("data:") and "," in url:
                data = np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8)
                return cv2.imdecode(data, cv2.IMREAD_COLOR)
    return None


def rating_for(image: np.ndarray, levels: int) -> int:
    """The fake model's score of an image: its brightness on a 1..levels scale."""
    return 1 + int(round((levels - 1) * float(image.mean()) / 255.0))


def answer_for(body: dict, kind: str = "ok", text: Optional[str] = None) -> tuple[str, str]:
    """(content, finish_reason) for a chat-completion body under a content behaviour."""
    if kind == "text":
        return text or "", "stop"
    if kind == "empty":
        return "", "stop"
    if kind == "refusal":
        return "I'm sorry, but I can't help with assessing this image.", "stop"
    rating = _RATING.search(_prompt_text(body.get("messages", [])))
    if rating:
        image = _first_image(body.get("messages", []))
        if image is None:
            return "I cannot see an image to rate.", "stop"
        return str(rating_for(image, int(rating.group(1)))), "stop"
    facts = read_facts(body.get("messages", []))
    if facts is None:
        content = "This is a fake reply from the local test server."
    elif facts.task == "assessment":
        content = _assessment(facts, kind)
    elif facts.task == "comparison":
        content = _comparison(facts, kind)
    elif facts.task == "perception":
        content = _perception(facts, kind)
    elif facts.task == "inference":
        content = _inference(facts, kind)
    else:
        content = _expansion(facts, kind)
    if kind == "length":
        words = content.split()
        return " ".join(words[: max(1, len(words) // 2)]), "length"
    return content, "stop"


def completion_json(body: dict, content: str, finish_reason: str, model: Optional[str]) -> dict:
    text = _prompt_text(body.get("messages", []))
    images = sum(1 for m in body.get("messages", []) if isinstance(m.get("content"), list)
                 for p in m["content"] if isinstance(p, dict) and p.get("type") == "image_url")
    return {
        "id": "chatcmpl-" + secrets.token_hex(8), "object": "chat.completion",
        "created": int(time.time()), "model": model or body.get("model", "fake"),
        "choices": [{"index": 0, "finish_reason": finish_reason, "logprobs": None,
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": len(text.split()) + 85 * images,
                  "completion_tokens": max(1, round(len(content.split()) * 1.3)),
                  "total_tokens": 0},
    }


def _error(status: int, message: str, kind: str, headers: Optional[dict] = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": None,
                                   "code": None}}, status_code=status, headers=headers)


# ---------------------------------------------------------------- the server

class FakeOpenAIServer:
    """An OpenAI-compatible server on 127.0.0.1 for tests; a context manager."""

    def __init__(self, latency: float = 0.0, api_key: Optional[str] = None,
                 hang_seconds: float = 30.0, batch_polls: int = 1, model: Optional[str] = None,
                 host: str = "127.0.0.1", port: int = 0):
        self.latency = latency
        self.api_key = api_key or "sk-fake-" + secrets.token_hex(12)
        self.hang_seconds = hang_seconds
        self.batch_polls = batch_polls  # retrievals before a batch completes
        self.hold_batches = False  # keep batches in_progress (to test resuming)
        self.model = model
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._counts: collections.Counter = collections.Counter()
        self._script: collections.deque[Behaviour] = collections.deque()
        self._seeds: list[Optional[int]] = []
        self._files: dict[str, dict] = {}
        self._batches: dict[str, dict] = {}
        self._stopping = threading.Event()
        self._server: Optional[uvicorn.Server] = None
        self._thread: Optional[threading.Thread] = None
        self.base_url = ""

    # -- control (thread-safe) --
    def script(self, behaviours: Iterable[BehaviourLike]) -> None:
        """Queue behaviours for the next chat completions (and batch lines), in order."""
        items = [b if isinstance(b, Behaviour) else Behaviour(str(b)) for b in behaviours]
        with self._lock:
            self._script.extend(items)

    @property
    def pending_script(self) -> int:
        with self._lock:
            return len(self._script)

    @property
    def counts(self) -> dict[str, int]:
        """Requests per endpoint so far (a copy)."""
        with self._lock:
            return dict(self._counts)

    @property
    def seeds(self) -> list[Optional[int]]:
        """The ``seed`` of every chat completion received, in arrival order."""
        with self._lock:
            return list(self._seeds)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()
            self._seeds.clear()

    def _count(self, endpoint: str) -> None:
        with self._lock:
            self._counts[endpoint] += 1
            self._counts["total"] += 1

    def _next(self) -> Behaviour:
        with self._lock:
            return self._script.popleft() if self._script else Behaviour("ok")

    # -- lifecycle --
    def start(self) -> "FakeOpenAIServer":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted ones
        sock.bind((self._host, self._port))
        sock.listen(2048)
        port = sock.getsockname()[1]
        config = uvicorn.Config(self._app(), log_level="warning", access_log=False,
                                lifespan="off", timeout_graceful_shutdown=1,
                                timeout_keep_alive=30)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="fake-openai", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake OpenAI server did not start within 10 s")
            time.sleep(0.01)
        self.base_url = f"http://{self._host}:{port}/v1"
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> "FakeOpenAIServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:  # no key
        return f"FakeOpenAIServer(base_url={self.base_url!r}, latency={self.latency})"

    # -- HTTP --
    def _app(self) -> Starlette:
        routes = [
            Route("/v1/chat/completions", self._chat, methods=["POST"]),
            Route("/v1/models", self._models, methods=["GET"]),
            Route("/v1/files", self._files_create, methods=["POST"]),
            Route("/v1/files/{file_id}/content", self._files_content, methods=["GET"]),
            Route("/v1/batches", self._batches_create, methods=["POST"]),
            Route("/v1/batches/{batch_id}", self._batches_retrieve, methods=["GET"]),
        ]
        return Starlette(routes=routes)

    def _authorised(self, request: Request) -> bool:
        ok = secrets.compare_digest(request.headers.get("authorization", ""),
                                    f"Bearer {self.api_key}")
        if not ok:
            self._count("unauthorized")
        return ok

    @staticmethod
    def _unauthorised() -> JSONResponse:
        return _error(401, "Incorrect API key provided.", "invalid_request_error")

    async def _models(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        self._count("models")
        model = self.model or "fake-model"
        return JSONResponse({"object": "list", "data": [
            {"id": model, "object": "model", "created": 0, "owned_by": "fake"}]})

    async def _chat(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        self._count("chat.completions")
        try:
            body = json.loads(await request.body())
        except json.JSONDecodeError:
            return _error(400, "request body is not JSON", "invalid_request_error")
        with self._lock:
            self._seeds.append(body.get("seed"))
        if self.latency:
            await asyncio.sleep(self.latency)
        behaviour = self._next()
        kind = behaviour.kind
        if kind == "429":
            return _error(429, "Rate limit reached, slow down.", "rate_limit_error",
                          headers={"retry-after": str(behaviour.retry_after)})
        if kind == "500":
            return _error(500, "The server had an error.", "server_error")
        if kind == "400":
            return _error(400, "Invalid request: unsupported parameter.", "invalid_request_error")
        if kind == "403":
            return _error(403, "This key may not use this model.", "permission_error")
        if kind == "hang":
            deadline = time.monotonic() + (behaviour.seconds or self.hang_seconds)
            while time.monotonic() < deadline and not self._stopping.is_set():
                await asyncio.sleep(0.05)
            kind = "ok"
        if kind == "malformed":
            return Response(b'{"id": "chatcmpl-broken", "choices": [{"message": {"cont',
                            media_type="application/json")
        content, finish = answer_for(body, kind, behaviour.text)
        return JSONResponse(completion_json(body, content, finish, self.model))

    async def _files_create(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        self._count("files.create")
        raw = await request.body()
        head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
        fields: dict[str, tuple[Optional[str], bytes]] = {}
        for part in message.iter_parts() if message.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            fields[name] = (part.get_filename(), part.get_payload(decode=True) or b"")
        if "file" not in fields:
            return _error(400, "multipart field 'file' is missing", "invalid_request_error")
        purpose = fields.get("purpose", (None, b"batch"))[1].decode()
        return JSONResponse(self._store_file(fields["file"][1], fields["file"][0] or "upload",
                                             purpose))

    def _store_file(self, data: bytes, filename: str, purpose: str) -> dict:
        file_id = "file-" + secrets.token_hex(8)
        meta = {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                "filename": filename, "purpose": purpose, "status": "processed"}
        with self._lock:
            self._files[file_id] = {"meta": meta, "data": data}
        return meta

    async def _files_content(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        self._count("files.content")
        with self._lock:
            entry = self._files.get(request.path_params["file_id"])
        if entry is None:
            return _error(404, "No such file.", "invalid_request_error")
        return Response(entry["data"], media_type="application/octet-stream")

    async def _batches_create(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        self._count("batches.create")
        body = json.loads(await request.body())
        with self._lock:
            entry = self._files.get(body.get("input_file_id", ""))
        if entry is None:
            return _error(400, "input_file_id does not exist", "invalid_request_error")
        batch_id = "batch_" + secrets.token_hex(8)
        lines = [line for line in entry["data"].decode().splitlines() if line.strip()]
        batch = {"id": batch_id, "object": "batch", "endpoint": body.get("endpoint"),
                 "errors": None, "input_file_id": body["input_file_id"],
                 "completion_window": body.get("completion_window", "24h"),
                 "status": "validating", "output_file_id": None, "error_file_id": None,
                 "created_at": int(time.time()), "metadata": body.get("metadata"),
                 "request_counts": {"total": len(lines), "completed": 0, "failed": 0}}
        with self._lock:
            self._batches[batch_id] = {"batch": batch, "polls": 0}
        return JSONResponse(batch)

    async def _batches_retrieve(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._unauthorised()
        self._count("batches.retrieve")
        with self._lock:
            state = self._batches.get(request.path_params["batch_id"])
            if state is not None:
                state["polls"] += 1
        if state is None:
            return _error(404, "No such batch.", "invalid_request_error")
        batch = state["batch"]
        if batch["status"] in ("validating", "in_progress"):
            if self.hold_batches or state["polls"] < self.batch_polls:
                batch["status"] = "in_progress"
            else:
                self._run_batch(batch)
        return JSONResponse(batch)

    def _run_batch(self, batch: dict) -> None:
        with self._lock:
            data = self._files[batch["input_file_id"]]["data"]
        out, failed = [], 0
        for n, line in enumerate(l for l in data.decode().splitlines() if l.strip()):
            item = json.loads(line)
            behaviour = self._next()
            if behaviour.kind in _HTTP_FAULTS:
                status = {"429": 429, "400": 400}.get(behaviour.kind, 500)
                response = {"status_code": status, "request_id": f"req_{n}",
                            "body": {"error": {"message": f"fake {behaviour.kind} fault",
                                               "type": "server_error"}}}
                failed += 1
            else:
                content, finish = answer_for(item["body"], behaviour.kind, behaviour.text)
                response = {"status_code": 200, "request_id": f"req_{n}",
                            "body": completion_json(item["body"], content, finish, self.model)}
            out.append(json.dumps({"id": f"batch_req_{n}", "custom_id": item["custom_id"],
                                   "response": response, "error": None}))
        meta = self._store_file(("\n".join(out) + "\n").encode(), "output.jsonl", "batch_output")
        total = batch["request_counts"]["total"]
        batch.update(status="completed", output_file_id=meta["id"],
                     completed_at=int(time.time()),
                     request_counts={"total": total, "completed": total - failed,
                                     "failed": failed})


@contextlib.contextmanager
def fake_server(latency: float = 0.0, in_process: bool = False):
    """(base_url, key) of a fake server, in this process or (default) in a child process so
    that its CPU work does not compete with the client for the caller's GIL (benchmarks)."""
    key = "sk-bench-" + secrets.token_hex(8)
    if in_process:
        with FakeOpenAIServer(latency=latency, api_key=key) as srv:
            yield srv.base_url, key
        return
    env = {**os.environ, "FAKE_OPENAI_KEY": key}
    launch = "import sys; from iqa_datagen.testing.fake_openai import main; main(sys.argv[1:])"
    proc = subprocess.Popen([sys.executable, "-c", launch, "--latency", str(latency)], env=env,
                            stdout=subprocess.PIPE, text=True)
    try:
        base_url = proc.stdout.readline().strip()
        if not base_url.startswith("http"):
            raise RuntimeError("fake server did not start")
        yield base_url, key
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: Optional[list[str]] = None) -> None:
    """Run the fake server in the foreground (for manual tests and out-of-process benchmarks)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args(argv)
    server = FakeOpenAIServer(latency=args.latency, port=args.port,
                              api_key=os.environ.get("FAKE_OPENAI_KEY"))
    with server:
        print(server.base_url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
