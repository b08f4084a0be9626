"""Turning pool entries into text: the setting's form of a question, count agreement, and the
phrase that names distortions."""

from __future__ import annotations

import re
from typing import Sequence

from iqa_datagen.schemas import SETTINGS  # re-exported: the one definition

_CLAUSE = re.compile(r"\[([^\[\]]*)\]")
_COUNT_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def check_setting(setting: str) -> str:
    if setting not in SETTINGS:
        raise ValueError(f"setting must be one of {SETTINGS}, got {setting!r}")
    return setting


def for_setting(template: str, setting: str) -> str:
    """The text of ``template`` in ``setting``: bracketed reference clauses kept (without the
    brackets) in the full-reference setting, removed in the no-reference setting."""
    check_setting(setting)
    if setting == "full_reference":
        text = _CLAUSE.sub(lambda m: m.group(1), template)
    else:
        text = _CLAUSE.sub("", template)
    if "[" in text or "]" in text:
        raise ValueError(f"unbalanced or nested reference clause in template {template!r}")
    return text


def count_slots(count: int) -> dict[str, str]:
    """Slot values for a count-stating question: ``{count}`` and the words that agree with it."""
    if count < 1:
        raise ValueError(f"a count-stating question needs at least one distortion, got {count}")
    noun = "distortion" if count == 1 else "distortions"
    number = _COUNT_WORDS.get(count, str(count))
    one = count == 1
    return {"count": f"{number} {noun}", "is_are": "is" if one else "are",
            "it_they": "it" if one else "they", "it_them": "it" if one else "them"}


def join_names(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` (no serial comma)."""
    names = list(names)
    if not names:
        raise ValueError("no distortion names to join")
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def capitalise_first(text: str) -> str:
    """Upper-case the first character only ("blur and noise" → "Blur and noise")."""
    return text[:1].upper() + text[1:]
