"""Every fact in a built dataset agrees with its labels.

One real build (Prefect flow on a test server, Parquet read back) with many comparisons and a
large expansion k; then each QA-expansion answer is checked against the record's labels and
verdict by rules written here, independently of the generator, and every offline-written
assessment and comparison is run through the LLM reply validator, which must accept it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flowkit import tiny
from iqa_datagen.distortions import GT_NAMES

pytestmark = [pytest.mark.usefixtures("prefect_server"), pytest.mark.slow]

# property → (category that raises it, category that lowers it)
_PAIR_QUESTIONS = {"brighter": ("brighten", "darken"), "noisier": ("noise", None),
                   "more noise": ("noise", None), "blurrier": ("blur", None),
                   "less sharp": ("blur", None)}
_GT_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, GT_NAMES.values()), key=len,
                                             reverse=True)) + r")\b", re.I)
_CATEGORY_OF = {v: k for k, v in GT_NAMES.items()}
_GRADES = ("slight", "moderate", "obvious", "serious", "catastrophic")


@pytest.fixture(scope="module")
def rows(tmp_path_factory) -> list[dict]:
    from iqa_datagen.flows import build_dataset

    out = tmp_path_factory.mktemp("facts") / "ds"
    config = tiny(references={"short_side": 96, "builtin_repeat": 2},
                  tasks={"identification": 1, "instant_rating": 1, "assessment": 3,
                         "comparison": 3, "multi_share": 0.5, "pristine_share": 0.15},
                  expansion={"mode": "gt", "k": 8}, run={"shard_size": 8})
    build_dataset(out=str(out), config=config)
    return [row for path in sorted(Path(out, "data").rglob("*.parquet"))
            for row in pq.read_table(path).to_pylist()]


def _subject(question: str, row: dict) -> list[dict]:
    about_b = re.search(r"\bImage B\b", question) and not re.search(r"\bImage A\b", question)
    return row["distortions_b"] if about_b else row["distortions_a"]


def _pair_fact(prop: str, answer_image: str, row: dict) -> list[str]:
    raises, lowers = _PAIR_QUESTIONS[prop]
    mine = {l["category"]: l for l in row[f"distortions_{answer_image.lower()}"]}
    other = {l["category"]: l for l in
             row["distortions_b" if answer_image == "A" else "distortions_a"]}
    problems = []
    if lowers in mine:
        problems.append(f"answer image carries {lowers}")
    if raises not in mine and lowers not in other:
        problems.append(f"answer image lacks {raises} and the other lacks {lowers}")
    for key, stronger_wins in ((raises, True), (lowers, False)):
        if key in mine and key in other:
            m, o = mine[key], other[key]
            if m["name"] != o["name"] or (m["level"] > o["level"]) != stronger_wins \
                    or m["level"] == o["level"]:
                problems.append(f"both carry {key}: {m['name']} {m['level']} vs "
                                f"{o['name']} {o['level']}")
    if raises in other and raises not in mine:
        problems.append(f"only the other image carries {raises}")
    return problems


def _expansion_problems(row: dict) -> list[str]:
    q, a = row["question"], row["response"]
    labels = _subject(q, row)
    present = {l["category"] for l in labels}
    grades = {l["grade"] for l in labels}
    problems = []
    prop = next((p for p in _PAIR_QUESTIONS if p in q), None)
    if prop is not None:
        image = re.match(r"Image ([AB])\b", a)
        if image is None:
            return [f"pair question answered without naming an image: {a!r}"]
        return _pair_fact(prop, image.group(1), row)
    if re.search(r"\bbetter|higher quality|prefer\b", q):
        winner = re.search(r"Image ([AB])\b", a)
        if row["verdict"] is None or winner is None or winner.group(1) != row["verdict"]["winner"]:
            problems.append(f"better-image answer {a!r} against verdict {row['verdict']}")
        return problems
    choice = re.match(r"([A-D])\. (.+)$", a)
    if choice:
        options = dict(re.findall(r"^([A-D])\. (.+)$", q, re.M))
        right = {GT_NAMES[c] for c in present} or {"no distortion"}
        if options.get(choice.group(1)) != choice.group(2) or choice.group(2) not in right:
            problems.append(f"multiple choice {a!r} not among {sorted(right)}")
        return problems
    yes_no = re.match(r"(Yes|No)\b", a)
    said_no = bool(yes_no) and yes_no.group(1) == "No"
    asked = {_CATEGORY_OF[n.lower()] for n in _GT_RE.findall(q)}
    if yes_no and asked:
        if said_no == bool(asked & present):
            problems.append(f"{a!r} about {sorted(asked)}, labels {sorted(present)}")
    elif yes_no:  # "any distortion?" / "free of distortion?"
        clean_claim = ("free" in q or "clean" in q) != said_no
        if clean_claim != (not present):
            problems.append(f"{a!r} on cleanliness, labels {sorted(present)}")
    if not said_no:
        named = {_CATEGORY_OF[n.lower()] for n in _GT_RE.findall(a)}
        if not named <= present:
            problems.append(f"answer names {sorted(named - present)} absent from the labels")
        if re.search(r"^(?:What|Which)\b.*\bdistortion", q) and named != present:
            problems.append(f"which-distortion answer {a!r}, labels {sorted(present)}")
    used = {g for g in _GRADES if re.search(rf"\b{g}\b", a, re.I)}
    if not used <= grades:
        problems.append(f"grade words {sorted(used - grades)} not in the labels {sorted(grades)}")
    if q.startswith(("How severe", "How strong", "To what degree")) and not used:
        problems.append(f"severity answer {a!r} states no grade")
    return problems


def test_every_expansion_answer_agrees_with_the_labels(rows):
    qa = [r for r in rows if r["task"] == "qa_expansion"]
    paired = [r for r in qa if r["distortions_b"] is not None and r["image_b"] is not None]
    assert len(qa) >= 300 and len(paired) >= 100
    bad = [(r["question"], r["response"], r["distortions_a"], r["distortions_b"], p)
           for r in qa for p in _expansion_problems(r)]
    assert bad == [], bad[:5]
    kinds = Counter(p for r in paired for p in _PAIR_QUESTIONS if p in r["question"])
    assert sum(kinds.values()) >= 3, kinds  # the label-decided pair questions are asked


def test_validator_accepts_every_offline_response_of_the_build(rows):
    """The LLM reply validator's fact checks reject none of the offline writer's responses."""
    from iqa_datagen.generators.llm.validation import validate_assessment, validate_comparison
    from iqa_datagen.schemas import DistortionLabel, Verdict

    def labels(side):
        return [DistortionLabel(**label) for label in side or []]

    detailed = [r for r in rows if r["task"] in ("assessment_reasoning", "comparison_reasoning")
                and r["setting"] == "full_reference" and not r["stage"]]  # one-stage answers
    assert len(detailed) >= 60 and {r["provenance"]["generator"] for r in detailed} == {"offline"}
    rejected = []
    for row in detailed:
        a, b = labels(row["distortions_a"]), labels(row["distortions_b"])
        if row["task"] == "assessment_reasoning":
            reasons = validate_assessment(row["response"], a)
        else:
            reasons, _ = validate_comparison(row["response"], a, b,
                                             Verdict(**row["verdict"]))
        if reasons:
            rejected.append((row["id"], reasons, row["response"]))
    assert rejected == [], rejected[:3]
