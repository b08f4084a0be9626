"""What the labels allow a text to say: grades, distortion words, severity and quality words.

One place for the facts that the offline writer, the QA expansion and the LLM reply validator
all rely on, so that what one writes the others accept and check the same way.

Grades: single distortions use five level words (slight, moderate, obvious, serious,
catastrophic for levels 1–5); pairs of distortions use three (slight, obvious, serious for
levels 1–3). A grade word keeps its meaning on both scales, so "obvious" ranks 3 and "serious"
ranks 4 whether the label comes from a single draw (levels 3, 4) or a pair (levels 2, 3).

Words: per category, the phrases that claim the distortion, looser hints, and for some
distortions the other categories whose words describe them truthfully; severity words with the
grade ranks each may describe; overall-quality words with the severity scores each may conclude;
phrases stating an image is clean. Pair questions: which labels decide "which image is noisier".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from iqa_datagen.distortions import GT_NAMES, LEVEL_NAMES, PAIR_GRADE_NAMES
from iqa_datagen.schemas import DistortionLabel

GRADE_RANK: dict[str, int] = {name: i + 1 for i, name in enumerate(LEVEL_NAMES)}
"""Severity word → rank 1 (slight) … 5 (catastrophic); pair grades use the same words."""

GRADE_SCALES: dict[str, tuple[str, ...]] = {"single": LEVEL_NAMES, "pair": PAIR_GRADE_NAMES}
"""The two grade scales: level → word is ``scale[level - 1]``."""


def grade_scale(labels_on_image: int) -> str:
    """"single" for an image with at most one distortion, "pair" for one with two."""
    return "single" if labels_on_image <= 1 else "pair"


def grade_of(label: DistortionLabel) -> str:
    """The label's severity word; an unknown word falls back to the level's name."""
    grade = (label.grade or "").strip().lower()
    if grade in GRADE_RANK:
        return grade
    return LEVEL_NAMES[label.level - 1]


def rank_of(label: DistortionLabel) -> int:
    """Severity rank 1..5 of a label (pair grades slight/obvious/serious rank 1/3/4)."""
    return GRADE_RANK[grade_of(label)]


def severity_score(labels: Sequence[DistortionLabel]) -> int:
    """0 for a clean image, else the worst rank, one more when two labels are both obvious+."""
    if not labels:
        return 0
    ranks = [rank_of(label) for label in labels]
    bonus = 1 if len(ranks) > 1 and min(ranks) >= GRADE_RANK["obvious"] else 0
    return min(5, max(ranks) + bonus)


# -- pair questions ("which image is noisier?") ------------------------------------------------

@dataclass(frozen=True)
class PairProperty:
    """A property two images can be compared on, and which labels decide it.

    ``raises`` is the category that gives an image more of the property, ``lowers`` (if any)
    the one that gives it less. ``masks`` are categories that, on the same image as ``raises``,
    can hide it (blur smooths noise away); ``mimics`` are categories and distortion names that
    give an image a look of the property without carrying ``raises`` (jitter looks grainy).
    An image carrying either makes the question one the labels cannot answer.
    """

    raises: str
    lowers: Optional[str] = None
    masks: frozenset[str] = frozenset()
    mimics: frozenset[str] = frozenset()


PAIR_PROPERTIES: dict[str, PairProperty] = {
    "brighter": PairProperty(
        "brighten", "darken",
        mimics=frozenset({"contrast_strengthen", "contrast_weaken", "quantize"})),
    "noisier": PairProperty(
        "noise", masks=frozenset({"blur", "compression", "pixelate"}),
        mimics=frozenset({"oversharpen", "blur_jitter", "blur_glass"})),
    "blurrier": PairProperty(
        "blur", mimics=frozenset({"compression", "pixelate", "oversharpen"})),
}


def _direction(prop: PairProperty, labels: Sequence[DistortionLabel]) -> Optional[int]:
    """+1 when the image carries ``raises``, -1 ``lowers``, 0 neither; None when undecidable."""
    cats = {label.category for label in labels}
    names = {label.name for label in labels}
    up, down = prop.raises in cats, prop.lowers is not None and prop.lowers in cats
    if up and down or (cats | names) & prop.mimics or up and cats & prop.masks:
        return None
    return 1 if up else -1 if down else 0


def more_of(prop_name: str, labels_a: Sequence[DistortionLabel],
            labels_b: Sequence[DistortionLabel]) -> Optional[str]:
    """"A" or "B": the image the labels say has more of the property; None when they cannot say.

    They can when one image carries the raising (or lowering) category and the other does not,
    or both carry the same distortion at different levels (same parameters per level, so the
    higher level is stronger); a mimic or mask on either image leaves the question unasked.
    """
    prop = PAIR_PROPERTIES[prop_name]
    da, db = _direction(prop, labels_a), _direction(prop, labels_b)
    if da is None or db is None or da == db == 0:
        return None
    if da != db:
        return "A" if da > db else "B"
    key = prop.raises if da > 0 else prop.lowers
    la = next(label for label in labels_a if label.category == key)
    lb = next(label for label in labels_b if label.category == key)
    if la.name != lb.name or la.level == lb.level:
        return None
    stronger = "A" if la.level > lb.level else "B"
    return stronger if da > 0 else ("B" if stronger == "A" else "A")


# -- words that name a distortion ---------------------------------------------------------------

_COLOR = r"colou?r"
# Per category: ``claims`` say the image carries the distortion (a reply using one for a
# category the labels lack invents a flaw); ``hints`` point at it but also describe content
# ("a dark background", "soft light"), so they count only for coverage. Regex fragments,
# matched at a word start, case-insensitively.
_CLAIMS: dict[str, list[str]] = {
    "blur": [r"blur", r"out[- ]of[- ]focus", r"defocus", r"unfocus", r"smear", r"smudg",
             r"motion streak", r"lack(?:s|ing)? (?:of )?sharpness", r"not sharp"],
    "noise": [r"nois", r"grain", r"speckl", r"specks?\b", r"salt[- ]and[- ]pepper"],
    "compression": [r"compress", r"jpe?g", r"block(?:ing|iness)\b", r"mosquito"],
    "brighten": [r"overexpos", r"over-expos", r"too bright", r"overly bright",
                 r"excessive(?:ly)? bright", r"blown[- ]out", r"washed[- ]out highlights",
                 r"too light"],
    "darken": [r"underexpos", r"under-expos", r"too dark", r"overly dark", r"too dim",
               r"lack(?:s|ing)? (?:of )?brightness"],
    "contrast_strengthen": [r"(?:overly|too|excessive(?:ly)?) high contrast",
                            r"too much contrast", r"excessive contrast", r"exaggerated contrast"],
    "contrast_weaken": [r"low[- ]contrast", r"weak contrast", r"reduced contrast",
                        r"lack(?:s|ing)? (?:of )?contrast"],
    "saturate_strengthen": [r"over-?saturat", r"garish", r"gaudy", r"overly vivid", r"too vivid",
                            r"(?:overly |too |excessive(?:ly)? )(?:saturat|vibrant|intense)",
                            r"high saturation"],
    "saturate_weaken": [r"desaturat", r"under-?saturat", r"drained", r"low saturation",
                        r"lack(?:s|ing)? (?:of )?" + _COLOR, r"washed[- ]out " + _COLOR],
    "oversharpen": [r"over-?sharpen"],
    "pixelate": [r"pixelat"],
    "quantize": [r"quantiz", r"quantis", r"posteri", r"banding", r"bands? of " + _COLOR,
                 _COLOR + r" bands"],
}
_HINTS: dict[str, list[str]] = {
    "blur": [r"soft(?:ness|ened|ens)?\b", r"fuzz"],
    "noise": [r"mottl"],
    "compression": [r"artifact", r"artefact", r"ringing"],
    "darken": [r"dark", r"dim\b", r"dimm", r"gloom", r"murk"],
    "contrast_strengthen": [r"(?:very )?high[- ]contrast", r"harsh", r"crushed", r"clipped"],
    "contrast_weaken": [r"flat\b", r"flattened", r"hazy", r"haze", r"faded", r"dull\b"],
    "saturate_strengthen": [r"neon"],
    "saturate_weaken": [r"muted", r"pale\b", _COLOR + r"less", r"grey-?scale", r"gray-?scale",
                        r"monochrom"],  # also a black-and-white photograph's content
    "oversharpen": [r"halo", r"sharpening", r"exaggerated edges", r"harsh edges", r"crunchy",
                    r"edge artifact"],
    "pixelate": [r"mosaic", r"jagged", r"stair-?step"],
    "quantize": [r"limited palette", r"reduced " + _COLOR, r"few(?:er)? " + _COLOR,
                 r"flat patches", r"flat " + _COLOR],
}
# Terms that name two or more categories. ``blocky`` is a claim (compression or pixelation);
# the others only hint and count for coverage.
_SHARED_CLAIMS: dict[str, tuple[str, ...]] = {r"blocky": ("compression", "pixelate")}
_SHARED_HINTS: dict[str, tuple[str, ...]] = {
    r"contrast": ("contrast_strengthen", "contrast_weaken"),
    r"saturat": ("saturate_strengthen", "saturate_weaken"),
    r"bright": ("brighten",),
    r"exposure": ("brighten", "darken"),
    r"washed[- ]out": ("brighten", "contrast_weaken", "saturate_weaken"),
    r"vivid": ("saturate_strengthen",),
    r"vibran": ("saturate_strengthen",),
    r"sharp": ("oversharpen",),
    r"light(?:er|ness)?\b": ("brighten",),
    _COLOR: ("saturate_strengthen", "saturate_weaken", "quantize"),
}
for _category, _gt in GT_NAMES.items():
    _CLAIMS.setdefault(_category, []).append(re.escape(_gt))

LOOKS_LIKE: dict[str, tuple[str, ...]] = {
    "compression_jpeg2000": ("blur",),  # wavelet coding softens and rings, it makes no blocks
    "blur_jitter": ("noise",),  # scattered pixels read as grain
}
"""Distortion name → other categories whose claims describe it truthfully."""


def _terms(own: dict[str, list[str]], shared: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    out = {c: list(t) for c, t in own.items()}
    for term, cats in shared.items():
        for c in cats:
            out.setdefault(c, []).append(term)
    return out


CLAIM_TERMS: dict[str, list[str]] = _terms(_CLAIMS, _SHARED_CLAIMS)
"""Category → phrases that say an image carries it (regex fragments)."""
SPECIFIC_TERMS: dict[str, list[str]] = _terms({c: _CLAIMS[c] + _HINTS.get(c, []) for c in _CLAIMS},
                                              _SHARED_CLAIMS)
"""Category → phrases pointing at it alone (claims and hints; used for yes/no questions)."""
CATEGORY_TERMS: dict[str, list[str]] = _terms(SPECIFIC_TERMS, _SHARED_HINTS)
"""Category → every phrase accepted as naming it in a response (for coverage)."""


def _compile(terms: dict[str, list[str]]) -> dict[str, re.Pattern]:
    return {c: re.compile(r"\b(?:" + "|".join(t) + ")", re.I) for c, t in terms.items()}


SPECIFIC_RE, CATEGORY_RE = map(_compile, (SPECIFIC_TERMS, CATEGORY_TERMS))



def _grouped(own: dict[str, list[str]],
             shared: dict[str, tuple[str, ...]]) -> tuple[str, dict[str, tuple[str, ...]]]:
    """All terms as one alternation with a named group per category and per shared term (one
    regex pass instead of one per category), and group name → categories."""
    groups = {f"c{i}": (c,) for i, c in enumerate(own)}
    groups.update({f"s{i}": cats for i, cats in enumerate(shared.values())})
    body = "|".join([f"(?P<c{i}>" + "|".join(t) + ")" for i, t in enumerate(own.values())]
                    + [f"(?P<s{i}>{t})" for i, t in enumerate(shared)])
    return body, groups


_CLAIMS_BODY, _CLAIM_GROUPS = _grouped(_CLAIMS, _SHARED_CLAIMS)
_ALL_CLAIMS_RE = re.compile(r"\b(?:" + _CLAIMS_BODY + ")", re.I)
_SPECIFIC_BODY, _SPECIFIC_GROUPS = _grouped(
    {c: _CLAIMS[c] + _HINTS.get(c, []) for c in _CLAIMS}, _SHARED_CLAIMS)

_NEGATED_RE = re.compile(r"(?:\b(?:no|not|without|free (?:of|from)|nor|neither|absence of|"
                         r"lacks? any|never|none of)\b|n['’]t\b)(?:\W+\w+){0,3}\W*$", re.I)


def negated(text: str, start: int) -> bool:
    """True when the words just before ``start`` (same sentence) deny what follows."""
    head = re.split(r"[.!?;]", text[max(0, start - 60):start])[-1]
    return _NEGATED_RE.search(head) is not None


def allowed_categories(labels: Iterable[DistortionLabel]) -> set[str]:
    """Categories a truthful text may claim for these labels (theirs and their look-alikes)."""
    out = set()
    for label in labels:
        out.add(label.category)
        out.update(LOOKS_LIKE.get(label.name, ()))
    return out


def claimed_categories(text: str, allowed: Iterable[str] = ()) -> dict[str, str]:
    """Category → the first phrase in ``text`` that claims it, leaving out negated phrases and
    phrases that also claim an ``allowed`` category ("blocky" is fine for JPEG)."""
    allowed = set(allowed)
    found: dict[str, str] = {}
    for m in _ALL_CLAIMS_RE.finditer(text):
        categories = _CLAIM_GROUPS[m.lastgroup]
        if set(categories) & allowed or negated(text, m.start()):
            continue
        rest = re.match(r"[\w-]*", text[m.end():]).group(0)
        for category in categories:
            found.setdefault(category, m.group(0) + rest)  # the whole word, not the stem
    return found


# -- severity words and their grades -------------------------------------------------------------

SEVERITY_WORDS: tuple[tuple[str, int, int], ...] = (
    # (regex, lowest rank, highest rank the word may describe); longest phrases first
    (r"very (?:slight|mild|faint|minor|subtle|small|weak)(?:ly)?", 1, 2),
    (r"barely (?:visible|noticeable|perceptible|there)|hardly (?:visible|noticeable)|"
     r"negligibl[ey]|imperceptibl[ey]|minimal(?:ly)?|almost invisible", 1, 2),
    (r"slight(?:ly)?|mild(?:ly)?|faint(?:ly)?|minor|subtle|subtly|a little|a touch of", 1, 3),
    (r"moderate(?:ly)?", 1, 4),
    (r"obvious(?:ly)?", 2, 5),
    (r"strong(?:ly)?|heav(?:y|ily)|significant(?:ly)?|substantial(?:ly)?|considerabl[ey]|"
     r"pronounced|marked(?:ly)?|intense(?:ly)?", 2, 5),
    (r"very (?:strong|heavy|intense|severe|serious)(?:ly)?|severe(?:ly)?|serious(?:ly)?|"
     r"extreme(?:ly)?|overwhelming(?:ly)?|drastic(?:ally)?|massive(?:ly)?|enormous(?:ly)?|"
     r"almost completely|nearly all", 3, 5),
    (r"catastrophic(?:ally)?|devastating", 4, 5),
)
"""Words stating how strong a distortion is, with the grade ranks each may truthfully describe
(slight 1 … catastrophic 5); a word outside its range contradicts the label."""


def _alternation(table: tuple[tuple[str, int, int], ...]) -> str:
    return "|".join(w for w, _, _ in table)


def _range_of(table: tuple[tuple[str, int, int], ...], word: str) -> tuple[int, int]:
    """(lowest, highest) of the first row of ``table`` whose regex matches all of ``word``."""
    for regex, lo, hi in table:
        if re.fullmatch(regex, word, re.I):
            return lo, hi
    raise KeyError(word)


def severity_range(word: str) -> tuple[int, int]:
    """The grade ranks a severity word may describe."""
    return _range_of(SEVERITY_WORDS, word)


_SEV = _alternation(SEVERITY_WORDS)
_COMPARATIVE_RE = re.compile(r"\s*(?:\w+er|more|less|better|worse)\b", re.I)
_DENIED_RE = re.compile(r"(?:\b(?:not|less|more|far from|no longer|never|hardly)|n['’]t)\s+"
                        r"(?:\w+\s+)?$", re.I)
_SEVERITY_RE = re.compile(r"\b(?:" + _SEV + r")\b", re.I)
# "<severity> [up to two words] <term>", matched just after the severity word
_THEN_TERM_RE = re.compile(r"\s+(?:[\w-]+\s+){0,2}?\b(?:" + _SPECIFIC_BODY + ")", re.I)
# "<term> [, which] is [fillers]", searched in a window ending at the severity word
_TERM_IS_RE = re.compile(
    r"\b(?:" + _SPECIFIC_BODY + r")\w*[\s,]+(?:(?:which|that)\s+)?(?:is|are|was|were|"
    r"appears?|looks?|seems?|remains?|stays?|becomes?)\s+(?:(?:very|quite|rather|fairly|only|"
    r"relatively|somewhat|also|still|present at|at|a|an|of|the)\s+){0,3}$", re.I)


def severity_claims(text: str) -> list[tuple[frozenset[str], str, int, int]]:
    """(categories, word, lowest, highest rank) for each severity word that directly qualifies
    a distortion term ("very slight blur", "the noise is severe"), sentence by sentence;
    comparative and denied uses ("slightly better", "not severe") are left out. A term naming
    two categories ("blocky") gives both; shared words such as "colour" or "contrast" also
    describe content and are not checked."""
    out = []
    for sentence in re.findall(r"[^.!?]+", text):
        for word in _SEVERITY_RE.finditer(sentence):
            ws, we = word.span()
            if _DENIED_RE.search(sentence, max(0, ws - 40), ws) \
                    or _COMPARATIVE_RE.match(sentence, we):
                continue
            categories: set[str] = set()
            for term in (_THEN_TERM_RE.match(sentence, we),
                         _TERM_IS_RE.search(sentence, max(0, ws - 100), ws)):
                if term:
                    categories.update(_SPECIFIC_GROUPS[term.lastgroup])
            if categories:
                out.append((frozenset(categories), word.group(0),
                            *severity_range(word.group(0))))
    return out


# -- overall quality and the grades ----------------------------------------------------------------

QUALITY_WORDS: tuple[tuple[str, int, int], ...] = (
    # (regex, lowest, highest severity score it may conclude); longest phrases first
    (r"very poor|very low|very bad|extremely poor|terrible|awful|dreadful|abysmal|unusable|"
     r"barely usable", 4, 5),
    (r"excellent|outstanding|superb|very good|very high|great|perfect|flawless", 0, 1),
    (r"mediocre|below[- ]average|average|compromised|degraded|reduced|diminished|impaired|"
     r"limited", 1, 5),
    (r"poor|low|bad|unsatisfactory|inferior", 2, 5),
    (r"decent|acceptable|fair|reasonable|satisfactory|adequate|usable|okay", 0, 3),
    (r"good|high|fine", 0, 2),
)
"""Words concluding on overall quality, with the severity scores (0 clean, else the worst
grade's rank, one more for two obvious-or-worse labels) each may truthfully conclude."""

_QUALITY = _alternation(QUALITY_WORDS)
_ANY_QUALITY_RE = re.compile(r"\b(?:" + _QUALITY + r")\b", re.I)
_QUALITY_ADVERBS = r"(?:(?:clearly|only|still|quite|rather|fairly|somewhat|generally|relatively|" \
                   r"reasonably|mostly|overall|at best|just|now|also|merely|rather)\s+)*"
_QUALITY_PHRASES = (
    re.compile(r"\b(" + _QUALITY + r")[- ](?:(?:image|visual|overall|picture)\s+)?quality\b",
               re.I),
    re.compile(r"\bquality\s+(?:\w+\s+){0,3}?(?:is|was|remains|stays|looks|appears|seems|would be|"
               r"can be (?:described|rated) as|comes across as)\s+" + _QUALITY_ADVERBS
               + r"(" + _QUALITY + r")\b", re.I),
    re.compile(r"^\s*(?:overall|in summary|in conclusion|all in all|to sum up|on the whole|"
               r"taken together|all things considered)\b,?[^.!?]*?\b(?:is|looks|appears|seems|"
               r"remains)\s+" + _QUALITY_ADVERBS + r"(" + _QUALITY + r")\b", re.I),
)


def quality_range(word: str) -> tuple[int, int]:
    """The severity scores a quality word may conclude."""
    return _range_of(QUALITY_WORDS, word)


_NOT_ALONE = frozenset({"high", "low", "fine", "limited", "reduced"})  # quality words only
# next to "quality": alone they describe contrast, light or detail


def quality_claims(text: str) -> list[tuple[str, int, int]]:
    """(word, lowest, highest score) for each overall-quality judgement ("Overall, the quality
    is poor", "an image of high quality"); negated ones ("not good") are left out."""
    out = []
    for sentence in re.findall(r"[^.!?]+", text):
        if not _ANY_QUALITY_RE.search(sentence):
            continue
        for k, pattern in enumerate(_QUALITY_PHRASES):
            for m in pattern.finditer(sentence):
                if _DENIED_RE.search(sentence, max(0, m.start(1) - 40), m.start(1)):
                    continue
                if k == 2 and m.group(1).lower() in _NOT_ALONE:  # "Overall, it is low-key"
                    continue
                out.append((m.group(1), *quality_range(m.group(1))))
    return out


CLEAN_RE = re.compile(
    r"\b(?:no (?:visible |noticeable |obvious |apparent |significant |discernible )?"
    r"(?:signs? of )?(?:distortions?|degradations?|flaws?|artifacts?|artefacts?|defects?|"
    r"impairments?|damage|quality (?:issues?|problems?)|issues?|problems?)|"
    r"free (?:of|from)|clean\b|without (?:any )?(?:visible )?(?:distortion|degradation|flaw|"
    r"artifact|defect)|nothing degrades|flawless|unblemished|undamaged|intact)", re.I)
"""Phrases that state an image is clean."""

__all__ = ["CATEGORY_TERMS", "CLAIM_TERMS", "CLEAN_RE", "GRADE_RANK", "GRADE_SCALES",
           "LOOKS_LIKE", "PAIR_PROPERTIES", "PairProperty", "QUALITY_WORDS", "SEVERITY_WORDS",
           "SPECIFIC_TERMS", "allowed_categories", "claimed_categories", "grade_of",
           "grade_scale", "more_of", "negated", "quality_claims", "quality_range", "rank_of",
           "severity_claims", "severity_range", "severity_score"]
