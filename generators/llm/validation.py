"""Checks a model reply must pass before it becomes a result (pure functions: reply → reasons).

Length tolerance: the prompt asks for 60–90 words (assessment) and at most 170 (comparison).
Models miss such targets by a sentence or so, so an assessment is accepted at 45–110 words and a
comparison at 50–185 words (about ±20% / +10%); anything outside is rejected and retried.

Facts are checked with the shared vocabulary (``generators.vocabulary``, also used by the offline
writer and the GT expansion): every labelled distortion is named; no distortion the labels lack is
claimed (negated mentions such as "no noise" are fine, and a distortion may be described by the
look it truly has: JPEG 2000 as soft); a severity word that qualifies a distortion fits its grade
("very slight" is never said of a catastrophic one); the overall-quality conclusion fits the
grades ("excellent" only for a clean or slightly degraded image, "poor" never for a clean one);
a clean image is described as clean; yes/no answers agree with the labels.
"""

from __future__ import annotations

import json
import re
from typing import Iterable, Mapping, Optional, Sequence

from iqa_datagen.distortions import BUILTIN_NAMES, LEVEL_NAMES, CategoryNames
from iqa_datagen.schemas import DistortionLabel, Verdict

from ..vocabulary import (CATEGORY_RE, CATEGORY_TERMS, CLEAN_RE, SPECIFIC_RE, allowed_categories,
                          claimed_categories, more_of, quality_claims, rank_of,
                          severity_claims, severity_score)

ASSESSMENT_WORD_RANGE = (45, 110)
COMPARISON_WORD_RANGE = (50, 185)
EXPANSION_MAX_ANSWER_WORDS = 120

_REFUSAL_RE = re.compile(
    r"\b(?:i['’]?m sorry|i am sorry|i apologi[sz]e|i can(?:no|['’])t (?:assist|help|comply|"
    r"provide|do that|analy[sz]e|describe|see)|i cannot (?:assist|help|comply|provide|do that)|"
    r"i['’]?m (?:unable|not able) to|i am (?:unable|not able) to|as an ai\b|"
    r"i (?:won['’]t|will not) be able to)", re.I)
_REFERENCE_RE = re.compile(
    r"\b(?:references?|pristine|ground[- ]?truth|undistorted (?:version|image|original)|"
    r"original (?:image|photo|version|picture)|(?:provided|given|supplied) (?:labels?|notes|"
    r"information|annotations?)|labels? (?:provided|given)|(?:the|my|private) notes\b|"
    r"i (?:was|have been|['’]ve been) (?:told|given|informed)|as (?:stated|noted|indicated) in)",
    re.I)
_OVERRULE_RE = re.compile(
    r"\b(?:on closer inspection|on closer examination|looking more closely|upon closer "
    r"(?:inspection|examination)|contrary to (?:first|initial) impressions?|despite (?:first|"
    r"initial) impressions?|at first glance)", re.I)
_QUALITY_VERDICT_RE = re.compile(
    r"\bquality\b[^.!?]*\b(?:poor|low|bad|fair|acceptable|good|decent|mediocre|moderate|high|"
    r"excellent|great|terrible|awful|unacceptable|degraded|compromised|reduced|diminished|"
    r"severely|significantly|substantially|satisfactory|unsatisfactory|average|limited|"
    r"very|quite|rather)\b|\b(?:poor|low|bad|fair|acceptable|good|decent|mediocre|moderate|high|"
    r"excellent|great|terrible|average|limited|reduced|compromised|degraded)[- ]quality\b|"
    r"\b(?:overall|in summary|in conclusion|all in all|to sum up|on the whole)\b[^.!?]*\b(?:poor|"
    r"low|bad|fair|acceptable|good|decent|mediocre|excellent|unusable|usable|degraded|"
    r"compromised)\b", re.I)

_BETTER = (r"(?:better|superior|preferable|higher[- ]quality|of higher quality|"
           r"the (?:clear |obvious )?winner|(?:the )?stronger|(?:the )?more (?:pleasing|usable|"
           r"appealing|faithful|acceptable))")
_WORSE = r"(?:worse|inferior|lower[- ]quality|of lower quality|weaker|less (?:pleasing|usable))"
_IMG = r"image ([ab])\b"
_GAP = r"(?:(?!image [ab]\b)[^.!?;]){0,%d}?"  # never spans another image name
_ADV = r"(?:(?:clearly|slightly|noticeably|much|far|significantly|considerably|marginally|" \
       r"somewhat|definitely|obviously|overall|still|the|a|in quality|visually|therefore|thus|" \
       r"hence|so|then)\s+)*"
_WINNER_PATTERNS = [
    # "Image A is (clearly) better", "Image B looks superior", "Image A has higher quality"
    (re.compile(_IMG + _GAP % 30 + r"\b(?:is|looks|appears|seems|remains|comes out|has|"
                r"offers|provides|shows|wins|emerges as)\s+" + _ADV + _BETTER, re.I), False),
    (re.compile(_IMG + _GAP % 30 + r"\b(?:is|looks|appears|seems|remains|has|comes out)\s+"
                + _ADV + _WORSE, re.I), True),
    # "the better image is Image B", "Image B is the better one", "prefer Image A"
    (re.compile(_BETTER + r"\s+(?:image|one|choice|picture|option)?" + _GAP % 20 + r"\b(?:is|"
                r"would be|:)\s+" + _IMG, re.I), False),
    (re.compile(r"\b(?:prefer(?:red|able)?|choose|pick|favou?r|recommend|go with)\s+" + _IMG,
                re.I), False),
    (re.compile(_IMG + r"\s+(?:wins|is preferred|is the winner|comes out ahead|outperforms|"
                r"is ahead)", re.I), False),
    (re.compile(_IMG + r"\s+(?:is|looks|has|comes out)\s+(?:\w+\s+){0,2}?(?:better than|"
                r"superior to|preferable to)\s+image [ab]\b", re.I), False),
]
_SENTENCE_RE = re.compile(r"[^.!?]+[.!?]*")
_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")
_YES_NO_Q = re.compile(r"^\s*(?:is|are|does|do|did|has|have|can|could|would|was|were|should|"
                       r"will)\b", re.I)
_WHICH_MORE_Q = {  # "which image is noisier?" → the property of vocabulary.PAIR_PROPERTIES
    "brighter": re.compile(r"\bwhich\b[^?]*\b(?:brighter|lighter|more brightly)", re.I),
    "noisier": re.compile(r"\bwhich\b[^?]*\b(?:noisier|grainier|more (?:noise|grain))", re.I),
    "blurrier": re.compile(r"\bwhich\b[^?]*\b(?:blurrier|more blur|less sharp)", re.I),
}
_WHICH_BETTER_Q = re.compile(r"\bwhich\b[^?]*\b(?:better|best|superior|higher[- ]quality|"
                             r"preferable|prefer|higher quality|looks? nicer)", re.I)


def word_count(text: str) -> int:
    return len(_WORD_RE.findall(text))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_RE.findall(text) if s.strip()]


def mentions_category(text: str, category: str, specific_only: bool = False,
                      names: Optional[Mapping[str, str]] = None) -> bool:
    pattern = (SPECIFIC_RE if specific_only else CATEGORY_RE).get(category)
    if pattern is None:  # a plugin category: its display name (as prompts call it) or its own
        terms = [category.replace("_", " ")] + ([names[category]] if names else [])
        return any(re.search(r"\b" + re.escape(t), text, re.I) for t in terms)
    return pattern.search(text) is not None


def categories_named(text: str, specific_only: bool = True) -> set[str]:
    """Categories some term of which appears in ``text``."""
    return {c for c in CATEGORY_TERMS if mentions_category(text, c, specific_only)}


def claimed_winner(text: str) -> Optional[str]:
    """The image ("A"/"B") that the text's conclusion names as better, or None.

    The last sentence that names a winner is the conclusion; within it the last claim counts.
    """
    for sentence in reversed(sentences(text)):
        claims: list[tuple[int, str]] = []
        for pattern, names_loser in _WINNER_PATTERNS:
            for match in pattern.finditer(sentence):
                image = match.group(1).upper()
                if names_loser:
                    image = "B" if image == "A" else "A"
                claims.append((match.start(), image))
        if claims:
            return max(claims)[1]
    return None


def is_overrule(text: str) -> bool:
    return _OVERRULE_RE.search(text) is not None


def _common_reasons(text: Optional[str], finish_reason: Optional[str]) -> list[str]:
    if finish_reason == "length":
        return ["truncated: finish_reason is 'length' (max_tokens reached)"]
    if text is None or not text.strip():
        return ["empty response"]
    reasons = []
    refusal = _REFUSAL_RE.search(text)
    if refusal:
        reasons.append(f"refusal: {refusal.group(0)!r}")
    reference = _REFERENCE_RE.search(text)
    if reference:
        reasons.append(f"mentions the reference or the given facts: {reference.group(0)!r}")
    return reasons


def _missing_distortions(text: str, labels: Iterable[DistortionLabel],
                         names: CategoryNames) -> list[str]:
    missing = []
    for label in labels:
        if not mentions_category(text, label.category, names=names):
            missing.append(f"omits distortion {label.category!r} ({names[label.category]})")
    return list(dict.fromkeys(missing))


def _invented(text: str, labels: Iterable[DistortionLabel], names: CategoryNames) -> list[str]:
    allowed = allowed_categories(labels)
    return [f"names a distortion the labels lack: {phrase!r} ({names[c]})"
            for c, phrase in sorted(claimed_categories(text, allowed).items())
            if c not in allowed]


def _severity_mismatches(text: str, labels: Sequence[DistortionLabel],
                         names: CategoryNames) -> list[str]:
    ranks: dict[str, list[int]] = {}
    for label in labels:
        ranks.setdefault(label.category, []).append(rank_of(label))
    reasons = []
    for categories, word, lo, hi in severity_claims(text):
        graded = [(c, r) for c in sorted(categories) for r in ranks.get(c, [])]
        if graded and not any(lo <= r <= hi for _, r in graded):
            grades = ", ".join(f"{names[c]} {LEVEL_NAMES[r - 1]}" for c, r in graded)
            reasons.append(f"severity {word!r} contradicts the grade ({grades})")
    return list(dict.fromkeys(reasons))


def _conclusion_mismatches(text: str, labels: Sequence[DistortionLabel]) -> list[str]:
    score = severity_score(labels)
    return list(dict.fromkeys(
        f"overall conclusion {word!r} contradicts the grades (severity {score} of 5)"
        for word, lo, hi in quality_claims(text) if not lo <= score <= hi))


def _clean_reasons(text: str, image: Optional[str]) -> list[str]:
    """A clean image must be said to be clean (in a sentence about it, for a pair)."""
    scope = [s for s in sentences(text)
             if image is None or re.search(rf"\bimage {image}\b", s, re.I)]
    if any(CLEAN_RE.search(s) for s in scope):
        return []
    return [f"does not describe {'the image' if image is None else 'Image ' + image} as clean"]


def validate_assessment(text: Optional[str], labels: Sequence[DistortionLabel],
                        finish_reason: Optional[str] = "stop",
                        names: CategoryNames = BUILTIN_NAMES) -> list[str]:
    """Reasons to reject an assessment reply (empty list: accept)."""
    reasons = _common_reasons(text, finish_reason)
    if reasons and reasons[0].startswith(("truncated", "empty")):
        return reasons
    words = word_count(text)
    lo, hi = ASSESSMENT_WORD_RANGE
    if not lo <= words <= hi:
        reasons.append(f"length: {words} words, outside the accepted {lo}-{hi}")
    if not _QUALITY_VERDICT_RE.search(text):
        reasons.append("no overall-quality conclusion")
    reasons += _missing_distortions(text, labels, names)
    reasons += _invented(text, labels, names)
    reasons += _severity_mismatches(text, labels, names)
    reasons += _conclusion_mismatches(text, labels)
    if not labels:
        reasons += _clean_reasons(text, None)
    return reasons


def validate_comparison(text: Optional[str], labels_a: Sequence[DistortionLabel],
                        labels_b: Sequence[DistortionLabel], verdict: Optional[Verdict],
                        finish_reason: Optional[str] = "stop",
                        names: CategoryNames = BUILTIN_NAMES) -> tuple[list[str], bool]:
    """Reasons to reject a comparison reply, and whether it explicitly overrules the verdict."""
    reasons = _common_reasons(text, finish_reason)
    if reasons and reasons[0].startswith(("truncated", "empty")):
        return reasons, False
    words = word_count(text)
    lo, hi = COMPARISON_WORD_RANGE
    if not lo <= words <= hi:
        reasons.append(f"length: {words} words, outside the accepted {lo}-{hi}")
    both = list(labels_a) + list(labels_b)
    reasons += _missing_distortions(text, both, names)
    reasons += _invented(text, both, names)
    reasons += _severity_mismatches(text, both, names)
    for image, labels in (("A", labels_a), ("B", labels_b)):
        if not labels:
            reasons += _clean_reasons(text, image)
    winner = claimed_winner(text)
    overruled = False
    if winner is None:
        reasons.append("no conclusion naming Image A or Image B as the better image")
    elif verdict is not None and winner != verdict.winner:
        if is_overrule(text):
            overruled = True
        else:
            reasons.append(f"conclusion names Image {winner} but the verdict is Image "
                           f"{verdict.winner}, without an explicit overrule")
    return reasons, overruled


def parse_pairs(text: str) -> tuple[Optional[list[dict]], Optional[str]]:
    """The ``pairs`` list of a JSON reply (code fences tolerated), or None and why not."""
    body = text.strip()
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", body, re.S | re.I)
    if fenced:
        body = fenced.group(1)
    try:
        data = json.loads(body)
    except json.JSONDecodeError as err:
        return None, f"not valid JSON ({err.msg} at char {err.pos})"
    if not isinstance(data, dict) or not isinstance(data.get("pairs"), list):
        return None, 'JSON is not an object with a "pairs" list'
    for i, pair in enumerate(data["pairs"]):
        if not isinstance(pair, dict) or not all(
                isinstance(pair.get(f), str) and pair[f].strip() for f in ("question", "answer")):
            return None, f"pair {i} lacks a non-empty string question and answer"
    return data["pairs"], None


def _yes_no(answer: str) -> Optional[bool]:
    first = re.match(r"\s*(yes|no)\b", answer, re.I)
    return None if first is None else first.group(1).lower() == "yes"


def _labels_for(question: str, labels_a: Sequence[DistortionLabel],
                labels_b: Sequence[DistortionLabel], paired: bool) -> Optional[set[str]]:
    """Categories present in the image the question is about (None: ambiguous image)."""
    if not paired:
        return {l.category for l in labels_a}
    a = re.search(r"\bimage a\b", question, re.I) is not None
    b = re.search(r"\bimage b\b", question, re.I) is not None
    if a and not b:
        return {l.category for l in labels_a}
    if b and not a:
        return {l.category for l in labels_b}
    return None


def _pair_reasons(i: int, question: str, answer: str, labels_a: Sequence[DistortionLabel],
                  labels_b: Sequence[DistortionLabel], expected_winner: Optional[str],
                  paired: bool) -> list[str]:
    reasons = []
    if word_count(answer) > EXPANSION_MAX_ANSWER_WORDS:
        reasons.append(f"pair {i}: answer longer than {EXPANSION_MAX_ANSWER_WORDS} words")
    if _YES_NO_Q.match(question) and (said := _yes_no(answer)) is not None:
        asked = categories_named(question, specific_only=True)
        present = _labels_for(question, labels_a, labels_b, paired)
        if asked and present is not None:
            if said and not asked & present:
                reasons.append(f"pair {i}: answers yes about {sorted(asked)} which the labels "
                               f"do not contain")
            elif not said and asked & present:
                reasons.append(f"pair {i}: answers no about {sorted(asked & present)} which "
                               f"the labels contain")
    if paired:
        for prop, pattern in _WHICH_MORE_Q.items():
            expected = more_of(prop, labels_a, labels_b) if pattern.search(question) else None
            named = set(m.upper() for m in re.findall(r"\bimage ([ab])\b", answer, re.I))
            if expected is not None and named and named != {expected}:
                reasons.append(f"pair {i}: answers Image {'/'.join(sorted(named))} to "
                               f"'which is {prop}', the labels say Image {expected}")
    if paired and expected_winner and _WHICH_BETTER_Q.search(question):
        named = set(m.upper() for m in re.findall(r"\bimage ([ab])\b", answer, re.I))
        winner = claimed_winner(answer) or (named.pop() if len(named) == 1 else None)
        if winner is None:
            reasons.append(f"pair {i}: 'which is better' answer names no image")
        elif winner != expected_winner:
            reasons.append(f"pair {i}: names Image {winner} as better, the verdict is Image "
                           f"{expected_winner}")
    return reasons


def validate_expansion(text: Optional[str], k: int, labels_a: Sequence[DistortionLabel],
                       labels_b: Sequence[DistortionLabel] = (),
                       verdict: Optional[Verdict] = None, paired: bool = False,
                       finish_reason: Optional[str] = "stop",
                       expected_winner: Optional[str] = None) -> tuple[list[str], list[dict]]:
    """Reasons to reject an expansion reply, and its pairs (as dicts) when it parses."""
    if finish_reason == "length":
        return ["truncated: finish_reason is 'length' (max_tokens reached)"], []
    if text is None or not text.strip():
        return ["empty response"], []
    pairs, why = parse_pairs(text)
    if pairs is None:
        reasons = [f"malformed: {why}"]
        refusal = _REFUSAL_RE.search(text)
        if refusal:
            reasons.append(f"refusal: {refusal.group(0)!r}")
        return reasons, []
    reasons = []
    if len(pairs) != k:
        reasons.append(f"expected {k} pairs, got {len(pairs)}")
    winner = expected_winner or (verdict.winner if verdict else None)
    for i, pair in enumerate(pairs):
        q, a = pair["question"], pair["answer"]
        for field, value in (("question", q), ("answer", a)):
            hit = _REFERENCE_RE.search(value)
            if hit:
                reasons.append(f"pair {i}: {field} mentions the reference or the given facts: "
                               f"{hit.group(0)!r}")
            refusal = _REFUSAL_RE.search(value)
            if refusal:
                reasons.append(f"pair {i}: {field} is a refusal: {refusal.group(0)!r}")
        reasons += _pair_reasons(i, q, a, labels_a, labels_b, winner, paired)
    return reasons, pairs


def is_quality_conclusion(sentence: str) -> bool:
    """Whether a sentence states an overall-quality verdict (what assessments must end with)."""
    return _QUALITY_VERDICT_RE.search(sentence) is not None
