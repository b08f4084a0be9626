"""The labeller's question: a quality score on a seven-word standard, and how replies are read.

The standard ties every score to one word (7 Perfect, 6 Excellent, 5 Good, 4 Fair, 3 Bad,
2 Poor, 1 Very Bad) and the model answers with the number alone. A reply is accepted when it
is a score and nothing else: a whole number from 1 to 7, optionally with a lead-in, the scale or
the matching word (``"5"``, ``"Score: 5"``, ``"5/7"``, ``"5 - Good"``), or one of the words
alone (``"Very bad"``). Anything else (a refusal, an explanation, a number out of range, a
number named with another level's word, a reply cut off) is rejected, and the LLM layer asks
again with a new seed.
"""

from __future__ import annotations

import re
from typing import Optional

from iqa_datagen.generators.llm.prompts import EncodedImage

LABELLER_PROMPT_VERSION = "labeller/1"

STANDARD: tuple[tuple[int, str], ...] = ((7, "Perfect"), (6, "Excellent"), (5, "Good"),
                                         (4, "Fair"), (3, "Bad"), (2, "Poor"), (1, "Very Bad"))
LEVELS = len(STANDARD)

_SYSTEM = (
    "You judge the technical quality of images. Use this standard, one word per score: "
    + ", ".join(f"{score}: {word}" for score, word in STANDARD)
    + ". Better quality always means a higher score."
)
# The fake test server recognises a rating prompt by this sentence; keep it stable.
_ASK = f"Rate the quality of this image. Answer with one whole number from 1 to {LEVELS}."

_WORD_OF = {score: word.lower() for score, word in STANDARD}
_SCORE_OF = {word: score for score, word in _WORD_OF.items()}
_REPLY = re.compile(
    r"^(?:(?:quality score|score|rating|quality)\s*(?:is|:|=|-)?\s*)?"  # optional lead-in
    r"(?P<score>\d+)"
    rf"(?:\s*(?:/\s*{LEVELS}|out of {LEVELS}))?"  # "5/7", "5 out of 7"
    r"(?:\s*[:\-\u2013(,]?\s*(?P<word>[a-z][a-z ]*?)\)?)?$")  # "5: Good", "5 (good)"


def rating_messages(image: EncodedImage) -> list[dict]:
    content = [{"type": "image_url", "image_url": {"url": image.data_url}},
               {"type": "text", "text": _ASK}]
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": content}]


def read_score(content: Optional[str], finish_reason: Optional[str] = None
               ) -> tuple[Optional[int], list[str]]:
    """``(score, [])`` for an accepted reply, else ``(None, reasons)``."""
    text = " ".join((content or "").split())
    if not text:
        return None, ["empty reply"]
    if finish_reason == "length":
        return None, ["reply cut off (finish_reason length)"]
    plain = text.lower().strip(" .!*\"'`")
    if plain in _SCORE_OF:
        return _SCORE_OF[plain], []
    match = _REPLY.match(plain)
    if match is None:
        return None, [f"not a score from 1 to {LEVELS}: {text[:80]!r}"]
    score = int(match.group("score"))
    if not 1 <= score <= LEVELS:
        return None, [f"score {score} is outside 1..{LEVELS}"]
    word = match.group("word")
    if word and word.strip() != _WORD_OF[score]:
        return None, [f"score {score} named with the word {word.strip()!r}, which is not "
                      f"{_WORD_OF[score]!r}"]
    return score, []
