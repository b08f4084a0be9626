"""Offline writers: detailed responses (assessment, comparison) and GT-mode QA expansion.

Images are real (skimage's astronaut and coffee, short side 224). Applied distortions use the
library's blur_gaussian, noise_gaussian_rgb and compression_jpeg; other categories get hand-made
distortions (brightness shift, contrast scaling, desaturation in numpy) with matching labels.
Independent checks come from the LLM layer's validators (generators.llm.validation), which the
build applies to LLM replies: offline text must pass the same gate.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import numpy as np
import pytest

from iqa_datagen import distortions
from iqa_datagen.distortions import GT_NAMES, LEVEL_NAMES, PAIR_GRADE_NAMES
from iqa_datagen.distortions.images import builtin_reference, resize_short_side
from iqa_datagen.generators.base import DetailedRequest, ExpansionRequest
from iqa_datagen.generators.expansion_gt import CHOICE_LETTERS, GTExpansionGenerator
from iqa_datagen.generators.llm import validation
from iqa_datagen.generators.offline import OfflineDetailedGenerator
from iqa_datagen.generators.offline_text.common import word_count
from iqa_datagen.generators.offline_text.conclusion_text import QUALITY_WORDS
from iqa_datagen.schemas import DistortionLabel, Verdict

# Nouns naming things the writer cannot know are in the picture.
OBJECT_NOUNS = ("person", "people", "man", "woman", "face", "car", "sky", "tree", "building",
                "animal", "cat", "dog", "cup", "coffee", "astronaut", "flower", "water",
                "table", "house", "road", "grass", "cloud", "mountain", "food", "child")
FORBIDDEN = re.compile(r"\b(?:reference|ground[- ]?truth|labels?|given information|"
                       r"pristine|original)\b", re.I)
# Words that name each category (the GT name first); a response mentioning a distortion must
# use one of them.
SYNONYMS = {c: [GT_NAMES[c]] + extra for c, extra in {
    "blur": ["blurr", "out-of-focus", "soft"], "noise": ["grain", "speckle"],
    "compression": ["blocking"], "brighten": ["overexposed", "too bright"],
    "darken": ["underexposed", "dimmed"], "contrast_strengthen": ["excessive contrast"],
    "contrast_weaken": ["flat", "faded"], "saturate_strengthen": ["oversaturated"],
    "saturate_weaken": ["desaturated", "muted"], "oversharpen": ["halo"],
    "pixelate": ["mosaic"], "quantize": ["banding", "posteriz"]}.items()}

HAND_MADE = ("brighten", "darken", "contrast_strengthen", "contrast_weaken",
             "saturate_strengthen", "saturate_weaken")
LIBRARY = {"blur": "blur_gaussian", "noise": "noise_gaussian_rgb",
           "compression": "compression_jpeg"}


@pytest.fixture(scope="module")
def refs() -> list[np.ndarray]:
    return [resize_short_side(builtin_reference(n), 224) for n in ("astronaut", "coffee")]


def _hand_made(image: np.ndarray, category: str, level: int) -> np.ndarray:
    """A numpy stand-in for the library's distortion of ``category`` at ``level``."""
    x = image.astype(np.float32)
    s = level / 5.0
    grey = x @ np.array([0.299, 0.587, 0.114], np.float32)
    if category == "brighten":
        x = x + 90 * s
    elif category == "darken":
        x = x - 90 * s
    elif category in ("contrast_strengthen", "contrast_weaken"):
        alpha = 1 + 1.5 * s if category == "contrast_strengthen" else 1 - 0.8 * s
        x = grey.mean() + (x - grey.mean()) * alpha
    elif category in ("saturate_strengthen", "saturate_weaken"):
        alpha = 1 + 1.5 * s if category == "saturate_strengthen" else 1 - 0.95 * s
        x = grey[..., None] + (x - grey[..., None]) * alpha
    else:
        raise AssertionError(category)
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def _distort(image: np.ndarray, category: str, level: int, seed: int) -> np.ndarray:
    if category in LIBRARY:
        return distortions.apply(image, LIBRARY[category], level, seed)
    return _hand_made(image, category, level)


def _label(category: str, level: int, pair: bool = False) -> DistortionLabel:
    grade = (PAIR_GRADE_NAMES if pair else LEVEL_NAMES)[level - 1]
    name = LIBRARY.get(category, f"{category}_hand_made")
    return DistortionLabel(category=category, name=name, level=level, grade=grade)


def _sample(ref: np.ndarray, rng: np.random.Generator, seed: int, clean_share: float = 0.1):
    """A distorted image and its labels: clean, one distortion (1..5) or two (1..3)."""
    draw = rng.random()
    if draw < clean_share:
        return ref.copy(), ()
    categories = list(LIBRARY) + list(HAND_MADE)
    if draw < 0.6:
        category = categories[int(rng.integers(len(categories)))]
        level = int(rng.integers(1, 6))
        return _distort(ref, category, level, seed), (_label(category, level),)
    first = categories[int(rng.integers(len(categories)))]
    seconds = [c for c in distortions.ALLOWED_SECOND[first] if c in categories]
    second = seconds[int(rng.integers(len(seconds)))]
    l1, l2 = (int(v) for v in rng.integers(1, 4, size=2))
    image = _distort(_distort(ref, first, l1, seed), second, l2, seed + 1)
    return image, (_label(first, l1, True), _label(second, l2, True))


def _assessments(refs, n: int, seed: int = 0) -> list[DetailedRequest]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        ref = refs[i % len(refs)]
        image, labels = _sample(ref, rng, seed * 1000 + i)
        out.append(DetailedRequest(key=f"as{seed}-{i}", task="assessment_reasoning",
                                   image_ref=ref, image_a=image, distortions_a=labels,
                                   seed=seed * 1000 + i))
    return out


def _comparisons(refs, n: int, seed: int = 0) -> list[DetailedRequest]:
    rng = np.random.default_rng(seed + 77)
    out = []
    for i in range(n):
        ref = refs[i % len(refs)]
        a, la = _sample(ref, rng, seed * 1000 + i)
        b, lb = _sample(ref, rng, seed * 1000 + i + 500)
        verdict = Verdict(winner="A" if rng.random() < 0.5 else "B", source="test")
        out.append(DetailedRequest(key=f"cmp{seed}-{i}", task="comparison_reasoning",
                                   image_ref=ref, image_a=a, distortions_a=la, image_b=b,
                                   distortions_b=lb, verdict=verdict, seed=seed * 1000 + i))
    return out


@pytest.fixture(scope="module")
def assessment_batch(refs):
    requests = _assessments(refs, 60)
    return requests, OfflineDetailedGenerator().generate(requests)


@pytest.fixture(scope="module")
def comparison_batch(refs):
    requests = _comparisons(refs, 40)
    return requests, OfflineDetailedGenerator().generate(requests)


def _mentions(text: str, category: str) -> bool:
    return any(re.search(r"\b" + re.escape(w), text, re.I) for w in SYNONYMS[category])


# --- detailed responses --------------------------------------------------------------------

def test_results_carry_generator_identity(assessment_batch):
    requests, results = assessment_batch
    assert [r.key for r in results] == [q.key for q in requests]
    for result in results:
        assert result.generator == "offline" and result.generator_version
        assert result.prompt_version is None and result.text


def test_assessment_names_every_distortion_and_its_grade(assessment_batch):
    requests, results = assessment_batch
    for request, result in zip(requests, results):
        for label in request.distortions_a:
            assert _mentions(result.text, label.category), (label, result.text)
            assert label.grade in result.text.lower(), (label, result.text)
        assert validation.validate_assessment(result.text, request.distortions_a) == [], \
            result.text


def test_two_distortions_are_mentioned_in_order(assessment_batch):
    requests, results = assessment_batch
    multi = [(q, r) for q, r in zip(requests, results) if len(q.distortions_a) == 2]
    assert len(multi) >= 10
    for request, result in multi:
        first, second = (GT_NAMES[l.category] for l in request.distortions_a)
        text = result.text.lower()
        assert text.index(first) < text.index(second), result.text


def test_assessment_length_is_60_to_90_words(assessment_batch):
    _, results = assessment_batch
    counts = [word_count(r.text) for r in results]
    assert all(60 <= c <= 90 for c in counts), counts
    assert all(60 <= len(r.text.split()) <= 90 for r in results)


def test_no_invented_objects_and_no_forbidden_words(assessment_batch, comparison_batch):
    for _, results in (assessment_batch, comparison_batch):
        for result in results:
            assert not FORBIDDEN.search(result.text), result.text
            for noun in OBJECT_NOUNS:
                assert not re.search(rf"\b{noun}s?\b", result.text, re.I), (noun, result.text)


def test_no_distortion_is_named_that_the_image_does_not_have(assessment_batch):
    requests, results = assessment_batch
    for request, result in zip(requests, results):
        named = validation.categories_named(result.text, specific_only=True)
        assert named <= {l.category for l in request.distortions_a}, (named, result.text)


def test_comparison_names_no_distortion_either_image_lacks(comparison_batch):
    requests, results = comparison_batch
    for request, result in zip(requests, results):
        present = {l.category for l in request.distortions_a + request.distortions_b}
        named = validation.categories_named(result.text, specific_only=True)
        assert named <= present, (named, result.text)


@pytest.mark.parametrize("category", sorted(GT_NAMES))
def test_every_catalogue_category_is_worded(refs, category):
    """Library distortions of every category (where implemented) pass the same checks."""
    spec = next(s for s in distortions.catalogue() if s.category == category)
    try:
        image = distortions.apply(refs[1], spec.name, 3, 0)
    except NotImplementedError:
        pytest.skip(f"{spec.name} is not implemented yet")
    label = DistortionLabel(category=category, name=spec.name, level=3, grade="obvious")
    request = DetailedRequest(key=f"cat-{category}", task="assessment_reasoning",
                              image_ref=refs[1], image_a=image, distortions_a=(label,), seed=4)
    text = OfflineDetailedGenerator().generate([request])[0].text
    assert validation.validate_assessment(text, [label]) == [], text
    assert _mentions(text, category) and "obvious" in text
    assert validation.categories_named(text, specific_only=True) <= {category}, text


def test_conclusion_matches_severity(refs):
    ref = refs[1]
    generator = OfflineDetailedGenerator()
    blurred = {level: distortions.apply(ref, "blur_gaussian", level, 0) for level in (1, 5)}
    requests = [DetailedRequest(key=f"sev{level}-{s}", task="assessment_reasoning",
                                image_ref=ref, image_a=blurred[level],
                                distortions_a=(_label("blur", level),), seed=s)
                for level in (1, 5) for s in range(6)]
    for request, result in zip(requests, generator.generate(requests)):
        last = result.text.lower().rsplit(".", 2)[-2]  # the closing sentence
        level = request.distortions_a[0].level
        expected = QUALITY_WORDS[1] if level == 1 else QUALITY_WORDS[5]
        assert any(w in last for w in expected), result.text
        assert ("poor" in last) == (level == 5), result.text


def test_pristine_response_says_no_distortion_and_good_quality(refs):
    requests = [DetailedRequest(key=f"clean{s}", task="assessment_reasoning", image_ref=refs[0],
                                image_a=refs[0].copy(), distortions_a=(), seed=s)
                for s in range(5)]
    for result in OfflineDetailedGenerator().generate(requests):
        text = result.text.lower()
        assert re.search(r"no (?:visible )?distortion|nothing degrades", text), text
        assert re.search(r"quality is good|high quality", text), text
        assert 60 <= word_count(text) <= 90
        assert validation.categories_named(text, specific_only=True) == set(), text


def test_comparison_length_winner_and_coverage(comparison_batch):
    requests, results = comparison_batch
    for request, result in zip(requests, results):
        text = result.text
        assert word_count(text) < 170 and len(text.split()) < 170, text
        assert validation.claimed_winner(text) == request.verdict.winner, text
        assert f"Image {request.verdict.winner}" in text.rsplit(".", 2)[-2], text
        for label in request.distortions_a + request.distortions_b:
            assert _mentions(text, label.category), (label, text)
        reasons, overruled = validation.validate_comparison(
            text, request.distortions_a, request.distortions_b, request.verdict)
        assert reasons == [] and not overruled, (reasons, text)


def test_comparison_describes_each_image_under_its_name(comparison_batch):
    requests, results = comparison_batch
    for request, result in zip(requests, results):
        sentences = validation.sentences(result.text)
        for image, labels in (("A", request.distortions_a), ("B", request.distortions_b)):
            own = [s for s in sentences if f"Image {image}" in s and "Image A and" not in s]
            about = [s for s in own if "better" not in s]
            assert about, result.text
            first = about[0]
            if labels:
                assert _mentions(first, labels[0].category), (labels[0], result.text)
            else:
                assert "no visible distortion" in first or "free of" in first \
                    or "looks clean" in first, result.text


def test_same_seed_same_text_and_seeds_change_text(refs):
    generator = OfflineDetailedGenerator()
    batch = _assessments(refs, 20, seed=3)
    first = [r.text for r in generator.generate(batch)]
    again = [r.text for r in OfflineDetailedGenerator().generate(batch)]
    assert first == again
    reseeded = [DetailedRequest(**{**q.__dict__, "seed": q.seed + 1}) for q in batch]
    other = [r.text for r in generator.generate(reseeded)]
    assert sum(a != b for a, b in zip(first, other)) >= 15


def test_variety_of_sentence_openings(assessment_batch):
    _, results = assessment_batch
    texts = [r.text for r in results[:50]]
    first_openings = {" ".join(validation.sentences(t)[0].split()[:3]) for t in texts}
    all_openings = {" ".join(s.split()[:2]) for t in texts for s in validation.sentences(t)}
    assert len(first_openings) >= 5, first_openings
    assert len(all_openings) >= 25, all_openings
    assert len(set(texts)) == len(texts)


def test_measured_effect_wording_follows_the_image(refs):
    """The same label worded from a weakly vs strongly distorted image reads differently."""
    ref = refs[1]
    generator = OfflineDetailedGenerator()
    weak = _hand_made(ref, "brighten", 1)
    strong = np.clip(ref.astype(np.int16) + 150, 0, 255).astype(np.uint8)
    texts = {}
    for name, image in (("weak", weak), ("strong", strong)):
        request = DetailedRequest(key="same", task="assessment_reasoning", image_ref=ref,
                                  image_a=image, distortions_a=(_label("brighten", 3),), seed=9)
        texts[name] = generator.generate([request])[0].text
    assert "blown out" in texts["strong"] and "blown out" not in texts["weak"], texts


def test_bad_requests_are_refused_with_the_key(refs):
    generator = OfflineDetailedGenerator()
    missing_b = DetailedRequest(key="nob", task="comparison_reasoning", image_ref=refs[0],
                                image_a=refs[0], distortions_a=(), seed=1,
                                verdict=Verdict(winner="A", source="t"))
    with pytest.raises(ValueError, match="nob.*image_b"):
        generator.generate([missing_b])
    wrong_shape = DetailedRequest(key="shape", task="assessment_reasoning", image_ref=refs[0],
                                  image_a=refs[1], distortions_a=(), seed=1)
    with pytest.raises(ValueError, match="shape"):
        generator.generate([wrong_shape])
    grey = DetailedRequest(key="grey", task="assessment_reasoning", image_ref=refs[0][..., 0],
                           image_a=refs[0], distortions_a=(), seed=1)
    with pytest.raises(ValueError, match="grey.*image_ref"):
        generator.generate([grey])


# --- GT expansion --------------------------------------------------------------------------

def _expansion_requests(n: int, k: int = 3) -> list[ExpansionRequest]:
    rng = np.random.default_rng(11)
    categories = list(GT_NAMES)
    out = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            labels = ()
        elif kind == 1:
            labels = (_label(categories[int(rng.integers(12))], int(rng.integers(1, 6))),)
        else:
            first = categories[int(rng.integers(12))]
            second = distortions.ALLOWED_SECOND[first][0]
            labels = (_label(first, 2, True), _label(second, 3, True))
        task = "comparison_reasoning" if i % 4 == 3 else "assessment_reasoning"
        extra = {}
        if task == "comparison_reasoning":
            extra = dict(distortions_b=(_label("noise", 2),),
                         verdict=Verdict(winner="B" if i % 8 == 3 else "A", source="t"))
        out.append(ExpansionRequest(key=f"x{i}", task=task, response="unused", seed=i,
                                    distortions_a=labels, k=k, **extra))
    return out


@pytest.fixture(scope="module")
def expansion_batch():
    requests = _expansion_requests(400)
    return requests, GTExpansionGenerator().expand(requests)


def test_expansion_gives_k_distinct_pairs(expansion_batch):
    requests, results = expansion_batch
    for request, result in zip(requests, results):
        assert result.generator == "gt_expansion" and result.key == request.key
        assert len(result.pairs) == request.k
        assert len({p.question for p in result.pairs}) == request.k
    many = _expansion_requests(6, k=8)
    for result in GTExpansionGenerator().expand(many):
        assert len(result.pairs) == 8


def test_expansion_yes_no_is_balanced(expansion_batch):
    _, results = expansion_batch
    said = Counter(re.match(r"(Yes|No)\b", p.answer).group(1)
                   for r in results for p in r.pairs if re.match(r"(Yes|No)\b", p.answer))
    total = said["Yes"] + said["No"]
    assert total >= 200, said
    assert abs(said["Yes"] / total - 0.5) <= 0.10, said


def test_expansion_answers_agree_with_the_labels(expansion_batch):
    requests, results = expansion_batch
    for request, result in zip(requests, results):
        paired = request.task == "comparison_reasoning"
        text = json.dumps({"pairs": [p.__dict__ for p in result.pairs]})
        reasons, _ = validation.validate_expansion(
            text, request.k, request.distortions_a, request.distortions_b, request.verdict,
            paired=paired)
        assert reasons == [], (reasons, result.pairs)
        for pair in result.pairs:
            assert not FORBIDDEN.search(pair.question + pair.answer), pair
            if pair.question.startswith(("What is the main", "Which type")) and not paired:
                assert pair.answer.lower().rstrip(".").endswith(
                    GT_NAMES[request.distortions_a[0].category]), pair
            if pair.question.startswith(("How severe", "How strong")) and not paired:
                grades = {l.grade for l in request.distortions_a}
                assert any(g in pair.answer.lower() for g in grades), pair


def test_yes_no_about_absent_and_present_categories(expansion_batch):
    requests, results = expansion_batch
    present_yes = absent_no = 0
    for request, result in zip(requests, results):
        if request.task != "assessment_reasoning":
            continue
        present = {l.category for l in request.distortions_a}
        for pair in result.pairs:
            asked = [c for c in GT_NAMES if GT_NAMES[c] in pair.question]
            if len(asked) != 1 or not pair.answer.startswith(("Yes", "No")):
                continue
            assert pair.answer.startswith("Yes") == (asked[0] in present), pair
            present_yes += asked[0] in present
            absent_no += asked[0] not in present
    assert present_yes >= 30 and absent_no >= 30


def test_multiple_choice_letter_matches_the_right_option(expansion_batch):
    requests, results = expansion_batch
    seen = 0
    for request, result in zip(requests, results):
        for pair in result.pairs:
            options = dict(re.findall(r"^([A-D])\. (.+)$", pair.question, re.M))
            if not options:
                continue
            seen += 1
            assert sorted(options) == list(CHOICE_LETTERS)
            letter, name = pair.answer.split(". ", 1)
            assert options[letter] == name
            about_b = "Image B" in pair.question
            labels = request.distortions_b if about_b else request.distortions_a
            right = {GT_NAMES[l.category] for l in labels} or {"no distortion"}
            assert name in right and sum(o in right for o in options.values()) == 1
    assert seen >= 100
    letters = Counter(p.answer[0] for r in results for p in r.pairs
                      if re.search(r"^A\. ", p.question, re.M))
    assert len(letters) == 4  # the right answer is not always in the same place


def test_measured_pair_questions_match_a_hand_built_pair(refs):
    ref = refs[1]
    brighter_b = np.clip(ref.astype(np.int16) + 60, 0, 255).astype(np.uint8)
    noisy_a = distortions.apply(ref, "noise_gaussian_rgb", 3, 1)
    blurred_b = distortions.apply(ref, "blur_gaussian", 4, 1)
    cases = [
        (ref, brighter_b, (), (_label("brighten", 4),), "brighter", "B"),
        (noisy_a, ref, (_label("noise", 3),), (), "noisier", "A"),
        (ref, blurred_b, (), (_label("blur", 4),), "blurrier", "B"),
    ]
    generator = GTExpansionGenerator()
    for a, b, la, lb, word, expected in cases:
        found = []
        for seed in range(12):
            request = ExpansionRequest(key="pair", task="comparison_reasoning",
                                       response="unused", distortions_a=la, distortions_b=lb,
                                       verdict=Verdict(winner="A", source="t"), image_a=a,
                                       image_b=b, seed=seed, k=8)
            for pair in generator.expand([request])[0].pairs:
                if word in pair.question or (word == "noisier" and "more noise" in
                                             pair.question) or (word == "blurrier" and
                                                                "less sharp" in pair.question):
                    found.append(pair.answer)
        assert found, word
        assert all(ans.startswith(f"Image {expected}") for ans in found), (word, found)


def test_measured_questions_skipped_when_too_close(refs):
    ref = refs[0]
    nudged = np.clip(ref.astype(np.int16) + 2, 0, 255).astype(np.uint8)
    for seed in range(10):
        request = ExpansionRequest(key="close", task="comparison_reasoning", response="unused",
                                   distortions_a=(), distortions_b=(),
                                   verdict=Verdict(winner="A", source="t"), image_a=ref,
                                   image_b=nudged, seed=seed, k=6)
        for pair in GTExpansionGenerator().expand([request])[0].pairs:
            assert not re.search(r"brighter|noisier|blurrier|more noise|less sharp",
                                 pair.question), pair


def test_expansion_is_deterministic_and_seed_dependent():
    requests = _expansion_requests(30)
    one = GTExpansionGenerator().expand(requests)
    two = GTExpansionGenerator().expand(requests)
    assert [r.pairs for r in one] == [r.pairs for r in two]
    reseeded = [ExpansionRequest(**{**r.__dict__, "seed": r.seed + 100}) for r in requests]
    three = GTExpansionGenerator().expand(reseeded)
    assert sum(a.pairs != b.pairs for a, b in zip(one, three)) >= 20


def test_expansion_refuses_bad_k():
    request = _expansion_requests(1)[0]
    with pytest.raises(ValueError, match="x0.*k must be a positive integer"):
        GTExpansionGenerator().expand([ExpansionRequest(**{**request.__dict__, "k": 0})])
    with pytest.raises(ValueError, match="x0.*k=40"):
        GTExpansionGenerator().expand([ExpansionRequest(**{**request.__dict__, "k": 40})])


@pytest.mark.parametrize("grade, measured", [("slight", 4), ("slight", 3), ("catastrophic", 0),
                                             ("serious", 0), ("obvious", 4)])
def test_wording_band_never_contradicts_the_stated_grade(monkeypatch, grade, measured):
    """However strong the measured change, a graded label's words stay within one step of it."""
    import dataclasses

    from iqa_datagen.generators.offline_text import distortion_text as dt
    from iqa_datagen.generators.offline_text.common import rank_of
    from iqa_datagen.generators.offline_text.measure import Changes
    from iqa_datagen.schemas import DistortionLabel

    plan = dt.wording("saturate_strengthen")
    monkeypatch.setitem(dt.WORDING, "saturate_strengthen",
                        dataclasses.replace(plan, measure=lambda c: measured))
    label = DistortionLabel(category="saturate_strengthen", name="saturate_strengthen_ycbcr",
                            level=1, grade=grade)
    fields = {f.name: 1.0 for f in dataclasses.fields(Changes)}
    band = dt.band(label, Changes(**fields))
    assert abs(band - (rank_of(label) - 1)) <= 1


# --- pair questions come from the labels ----------------------------------------------------

def _pair_questions(a, b, la, lb, seeds=range(16)) -> list[tuple[str, str]]:
    out = []
    for seed in seeds:
        request = ExpansionRequest(key="lab", task="comparison_reasoning", response="unused",
                                   distortions_a=la, distortions_b=lb,
                                   verdict=Verdict(winner="A", source="t"), image_a=a,
                                   image_b=b, seed=seed, k=8)
        out += [(p.question, p.answer) for p in GTExpansionGenerator().expand([request])[0].pairs
                if re.search(r"brighter|noisier|blurrier|more noise|less sharp", p.question)]
    return out


def test_pixelated_against_pristine_gets_no_noise_or_blur_question():
    """The labels hold no noise, blur or brightness change on either side: 'which is noisier /
    blurrier?' is not theirs to answer, whatever the measurements say (they call the pristine
    cat photo blurrier than its pixelated copy)."""
    ref = resize_short_side(builtin_reference("chelsea"), 224)
    pixelated = distortions.apply(ref, "pixelate", 2, 0)
    label = DistortionLabel(category="pixelate", name="pixelate", level=2, grade="moderate")
    assert _pair_questions(pixelated, ref, (label,), ()) == []


def test_stronger_blur_of_the_same_kind_is_the_blurrier_image(refs):
    ref = refs[1]
    strong = distortions.apply(ref, "blur_gaussian", 4, 0)
    weak = distortions.apply(ref, "blur_gaussian", 1, 0)
    asked = _pair_questions(strong, weak, (_label("blur", 4),), (_label("blur", 1),))
    blur = [answer for question, answer in asked if "blurrier" in question or "less sharp" in question]
    assert blur and all(answer.startswith("Image A") for answer in blur), asked


@pytest.mark.parametrize("la, lb, prop, expected", [
    ((), (), "noisier", None),
    (("pixelate", 2), (), "noisier", None),
    (("noise", 2), (), "noisier", "A"),
    ((), ("noise", 1), "noisier", "B"),
    (("noise", 3), ("noise", 1), "noisier", "A"),
    (("noise", 2), ("noise", 2), "noisier", None),
    (("noise", 2, "blur", 3), (), "noisier", None),  # blur after noise may hide it
    (("blur", 2), ("compression", 4), "blurrier", None),  # JPEG can smear as well
    (("blur", 2), (), "blurrier", "A"),
    (("darken", 1), (), "brighter", "B"),
    (("brighten", 2), ("darken", 2), "brighter", "A"),
    (("brighten", 2), ("contrast_weaken", 2), "brighter", None),
])
def test_more_of_answers_only_what_the_labels_decide(la, lb, prop, expected):
    from iqa_datagen.generators.vocabulary import more_of

    def labels(spec):
        pair = len(spec) > 2
        return tuple(_label(spec[i], spec[i + 1], pair) for i in range(0, len(spec), 2))

    assert more_of(prop, labels(la), labels(lb)) == expected


# --- the validator accepts the offline writer; the writer words each distortion truly --------

@pytest.fixture(scope="module")
def every_distortion(refs):
    """An assessment of every catalogue distortion at every level, on both photos."""
    requests = []
    for spec in distortions.catalogue():
        for level in range(1, 6):
            for r, ref in enumerate(refs):
                image = distortions.apply(ref, spec.name, level, level + r)
                label = DistortionLabel(category=spec.category, name=spec.name, level=level,
                                        grade=LEVEL_NAMES[level - 1])
                requests.append(DetailedRequest(
                    key=f"{spec.name}-{level}-{r}", task="assessment_reasoning", image_ref=ref,
                    image_a=image, distortions_a=(label,), seed=level * 7 + r))
    return requests, OfflineDetailedGenerator().generate(requests)


def test_validator_accepts_every_offline_assessment(every_distortion):
    requests, results = every_distortion
    rejected = [(q.key, reasons, r.text) for q, r in zip(requests, results)
                if (reasons := validation.validate_assessment(r.text, q.distortions_a))]
    assert rejected == [], rejected[:3]


def _texts(every_distortion, name: str) -> list[str]:
    requests, results = every_distortion
    return [r.text for q, r in zip(requests, results) if q.distortions_a[0].name == name]


def test_jpeg2000_is_worded_as_softness_and_ringing_not_blocks(every_distortion):
    texts = _texts(every_distortion, "compression_jpeg2000")
    assert len(texts) == 10
    for text in texts:
        assert not re.search(r"block|square|tile", text, re.I), text
        assert re.search(r"ringing|blur|smooth|soft", text, re.I), text
    assert any(re.search(r"block", t, re.I) for t in _texts(every_distortion, "compression_jpeg"))


def test_jitter_is_worded_as_scattered_pixels_not_smears(every_distortion):
    for text in _texts(every_distortion, "blur_jitter"):
        assert not re.search(r"smear|smudg|spread into", text, re.I), text
        assert re.search(r"scatter|displac|fray|scrambl", text, re.I), text


def test_brightening_a_dark_scene_does_not_push_tones_to_white(refs):
    """A dark scene brightened stays darkish: its text lifts shadows, names no white or clipping."""
    dark = (refs[1].astype(np.float32) * 0.35).astype(np.uint8)
    generator = OfflineDetailedGenerator()
    for name, level in (("brighten_gamma_rgb", 2), ("brighten_shift_hsv", 1),
                        ("brighten_gamma_hsv", 1)):
        image = distortions.apply(dark, name, level, 0)
        assert image.mean() < 110, (name, image.mean())  # still a dark picture
        for seed in range(6):
            label = DistortionLabel(category="brighten", name=name, level=4, grade="serious")
            request = DetailedRequest(key=f"dark-{name}-{seed}", task="assessment_reasoning",
                                      image_ref=dark, image_a=image, distortions_a=(label,),
                                      seed=seed)
            text = generator.generate([request])[0].text
            assert not re.search(r"white|blown|too bright|overexposed", text, re.I), text
            assert validation.validate_assessment(text, [label]) == [], text


def test_offline_severity_scales_fit_the_validator_bands():
    """Every band word the writer can use for a grade (its band ±1) is one the validator
    accepts for that grade: one table of severity words decides both."""
    from iqa_datagen.generators.offline_text.distortion_text import WORDING
    from iqa_datagen.generators.vocabulary import SEVERITY_WORDS, severity_range

    patterns = [re.compile(rf"^(?:{w})$", re.I) for w, _, _ in SEVERITY_WORDS]
    checked = 0
    for category, plan in WORDING.items():
        for band, word in enumerate(plan.scale):
            if not any(p.match(word) for p in patterns):
                continue
            checked += 1
            lo, hi = severity_range(word)
            for rank in range(1, 6):
                if abs(rank - 1 - band) <= 1:
                    assert lo <= rank <= hi, (category, word, rank)
    assert checked >= 20
