"""The question and answer-template pools, as data, in the project's own words (docs/tasks.md).

Conventions every entry follows (tests enforce them):
- A part in square brackets is said only in the full-reference setting, where a reference image
  accompanies the question: ``"...this image[ compared with the reference]?"``. The
  no-reference form drops it, so the two settings differ in wording, never in meaning.
  Entries without brackets read the same in both settings.
- Identification answer templates hold one slot, ``{distortions}``, placed so that the sentence
  reads for one distortion or two ("...is affected by blur and noise.").
- Identification count-stating questions hold ``{count}`` ("one distortion", "two distortions")
  and may use ``{is_are}``, ``{it_they}``, ``{it_them}`` to agree with it.
- Instant-rating answer templates hold one slot, ``{winner}`` ("Image A" / "Image B").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IdentificationEntry:
    question: str
    counted: str  # states the number of distortions
    answer: str


@dataclass(frozen=True)
class RatingEntry:
    question: str
    answer: str


SHORT_ANSWER_SUFFIX = " Answer the question using a single word or phrase."
"""LLaVA-style evaluation suffix (docs/tasks.md); keep it byte-exact, leading space included."""

PRISTINE_ANSWER = "The image shows no distortion at all, and its quality is good."
PRISTINE_SHORT_ANSWER = "No distortion"

IDENTIFICATION: tuple[IdentificationEntry, ...] = (
    IdentificationEntry(
        "What distortions are present in this image[ compared with the reference]?",
        "This image has {count}[ compared with the reference]. Which {is_are} {it_they}?",
        "This image is affected by {distortions}."),
    IdentificationEntry(
        "Which kinds of degradation affect the evaluated image[, judging against the reference "
        "image]?",
        "The evaluated image is degraded by {count}[, judging against the reference image]. "
        "Name {it_them}.",
        "The evaluated image is degraded by {distortions}."),
    IdentificationEntry(
        "Identify the distortions in the image[ by comparing it with the reference].",
        "The image contains {count}. Identify {it_them}[ by comparing the image with the "
        "reference].",
        "I identify {distortions} in the image."),
    IdentificationEntry(
        "What quality problems does the image show[ relative to its reference]?",
        "The image shows {count}[ relative to its reference]. What {is_are} {it_they}?",
        "The image suffers from {distortions}."),
    IdentificationEntry(
        "Which distortions lower the quality of this image[ with respect to the reference]?",
        "The quality of this image is lowered by {count}[ with respect to the reference]. "
        "Which {is_are} {it_they}?",
        "The quality of this image is lowered by {distortions}."),
    IdentificationEntry(
        "Can you name the distortions visible in the evaluated image[ when set beside the "
        "reference]?",
        "Exactly {count} {is_are} visible in the evaluated image[ when set beside the "
        "reference]. Can you name {it_them}?",
        "The evaluated image visibly shows {distortions}."),
    IdentificationEntry(
        "What has degraded this image[ relative to the reference image]?",
        "This image has been hit by {count}[ relative to the reference image]. What {is_are} "
        "{it_they}?",
        "This image has been degraded by {distortions}."),
    IdentificationEntry(
        "Point out the distortions that affect the image[, using the reference for comparison].",
        "The image is affected by {count}. Point {it_them} out[, using the reference for "
        "comparison].",
        "What affects the image is {distortions}."),
    IdentificationEntry(
        "Which types of distortion does this image exhibit[ in comparison with the reference]?",
        "This image exhibits {count}[ in comparison with the reference]. Which {is_are} "
        "{it_they}?",
        "This image exhibits {distortions}."),
    IdentificationEntry(
        "Tell me which distortions are in the evaluated image[, taking the reference as the "
        "baseline].",
        "The evaluated image has {count}[, taking the reference as the baseline]. Tell me "
        "which.",
        "The evaluated image contains {distortions}."),
    IdentificationEntry(
        "What is wrong with the quality of this image[ when it is measured against the "
        "reference]?",
        "This image has {count}[ when it is measured against the reference]. What is wrong "
        "with its quality?",
        "The quality of this image is hurt by {distortions}."),
    IdentificationEntry(
        "Which impairments can you detect in the image?",
        "The image carries {count}. Name what you detect.",
        "I can detect {distortions} in the image."),
    IdentificationEntry(
        "What kind of distortion has the evaluated image undergone[, in contrast to the "
        "reference]?",
        "The evaluated image has undergone {count}[, in contrast to the reference]. Which "
        "{is_are} {it_they}?",
        "The evaluated image has undergone {distortions}."),
    IdentificationEntry(
        "Name the distortions you observe in this image.",
        "You should observe {count} in this image. Name {it_them}.",
        "In this image I observe {distortions}."),
    IdentificationEntry(
        "Which distortions spoil this image[, with the reference as a guide]?",
        "This image is spoiled by {count}[, with the reference as a guide]. Which {is_are} "
        "{it_they}?",
        "This image is spoiled by {distortions}."),
    IdentificationEntry(
        "Looking at the image[ and its reference], which distortions do you notice?",
        "Looking at the image[ and its reference], you should notice {count}. Which {is_are} "
        "{it_they}?",
        "I notice {distortions}."),
    IdentificationEntry(
        "What degradations are visible in the evaluated image[ as opposed to the reference]?",
        "There {is_are} {count} in the evaluated image[ as opposed to the reference]. What "
        "{is_are} {it_they}?",
        "The degradation visible in the evaluated image comes from {distortions}."),
    IdentificationEntry(
        "Determine which distortions are present in the image[ by checking it against the "
        "reference].",
        "The image contains {count}. Determine which[ by checking the image against the "
        "reference].",
        "The image contains {distortions}."),
    IdentificationEntry(
        "Which artifacts reduce the quality of this image[ compared to the reference]?",
        "Knowing that this image has {count}[ compared to the reference], say which {is_are} "
        "present.",
        "The quality of this image is reduced by {distortions}."),
    IdentificationEntry(
        "What distortions do you find when you inspect this image[ next to its reference]?",
        "When you inspect this image[ next to its reference], you will find {count}. What "
        "{is_are} {it_they}?",
        "Inspecting this image, I find {distortions}."),
    IdentificationEntry(
        "Diagnose the quality problems of the evaluated image.",
        "The evaluated image has {count}. Diagnose {it_them}.",
        "My diagnosis is {distortions}."),
    IdentificationEntry(
        "Which distortions has this image suffered[ relative to the reference]?",
        "This image has suffered {count}[ relative to the reference]. Say which {it_they} "
        "{is_are}.",
        "This image has suffered {distortions}."),
    IdentificationEntry(
        "What are the visible flaws in this image's quality?",
        "This image's quality is marred by {count}. What {is_are} {it_they}?",
        "The visible flaws come from {distortions}."),
    IdentificationEntry(
        "Please list the distortions affecting the image[, using the reference as a "
        "comparison].",
        "There {is_are} {count} affecting the image[, using the reference as a comparison]. "
        "Please list {it_them}.",
        "The image is impaired by {distortions}."),
)

RATING: tuple[RatingEntry, ...] = (
    RatingEntry("Which image has the better quality, Image A or Image B[, given the reference]?",
                "The better quality belongs to {winner}."),
    RatingEntry("Of Image A and Image B, which one looks better[ when both are compared with "
                "the reference]?", "{winner} looks better."),
    RatingEntry("Compare Image A with Image B[ against the reference] and say which has higher "
                "quality.", "{winner} has higher quality."),
    RatingEntry("Which of the two images, A or B, is of higher quality[ relative to the "
                "reference]?", "Of the two, {winner} is of higher quality."),
    RatingEntry("Between Image A and Image B, which would you judge to be better in quality[, "
                "taking the reference into account]?",
                "I would judge {winner} to be better in quality."),
    RatingEntry("Which image is less degraded[ with respect to the reference]: Image A or "
                "Image B?", "{winner} is less degraded."),
    RatingEntry("Look at Image A and Image B[ alongside the reference]. Which one has superior "
                "quality?", "{winner} has superior quality."),
    RatingEntry("Which image preserves quality better[ relative to the reference], A or B?",
                "{winner} preserves quality better."),
    RatingEntry("If you had to pick the higher-quality image between Image A and Image B[ "
                "given the reference], which would it be?", "I would pick {winner}."),
    RatingEntry("Rate Image A against Image B[ using the reference]: which one is better?",
                "{winner} is the better one."),
    RatingEntry("Does Image A or Image B show better visual quality[ compared with the "
                "reference]?", "{winner} shows better visual quality."),
    RatingEntry("Which image offers the higher perceptual quality[ with the reference as a "
                "benchmark], Image A or Image B?", "{winner} offers the higher perceptual "
                "quality."),
    RatingEntry("Judge which of Image A and Image B is better in terms of quality[, using the "
                "reference image].", "In terms of quality, {winner} is better."),
    RatingEntry("Comparing Image A and Image B[ to the reference], which one would a viewer "
                "prefer for its quality?", "A viewer would prefer {winner} for its quality."),
    RatingEntry("Which of Image A and Image B suffers less quality loss[ relative to the "
                "reference]?", "{winner} suffers less quality loss."),
    RatingEntry("Choose the image with better quality[, with the reference in mind]: Image A "
                "or Image B.", "I choose {winner}."),
    RatingEntry("Quality-wise, is Image A or Image B the stronger of the two[ given the "
                "reference]?", "Quality-wise, {winner} is the stronger of the two."),
    RatingEntry("Which image would you rank first for quality[ after checking both against the "
                "reference], Image A or Image B?", "I would rank {winner} first for quality."),
    RatingEntry("Tell me which image, A or B, has the better overall quality[ when judged "
                "against the reference].", "{winner} has the better overall quality."),
    RatingEntry("Weighing Image A against Image B[ with the reference as a guide], which has "
                "the higher quality?", "Weighing the two, {winner} has the higher quality."),
)

ASSESSMENT: tuple[str, ...] = (
    "How good is the quality of this image[ compared with the reference]? Explain your "
    "judgement.",
    "Assess the image's quality[ relative to the reference] and give your reasons.",
    "Describe the quality of the evaluated image[ against the reference] and justify your view.",
    "What do you think of this image's quality[ in light of the reference]? Please explain.",
    "Give a reasoned evaluation of the image quality[, using the reference for comparison].",
    "How would you judge the visual quality of the image[ with respect to the reference], and "
    "why?",
    "Evaluate this image's quality[ against its reference], describing what affects it.",
    "Analyse the quality of the image[ relative to the reference] and explain your conclusion.",
    "Is the quality of this image good or poor[ compared to the reference]? Give your reasoning.",
    "Walk me through your assessment of the image's quality[, taking the reference into "
    "account].",
    "Provide a detailed quality assessment of the evaluated image[ with the reference as a "
    "baseline].",
    "Examine the image[ next to its reference] and explain how good its quality is.",
    "Critique the quality of this image[ in comparison with the reference], with reasons.",
    "What is your assessment of the image's quality[ against the reference]? Support it with "
    "details.",
    "How does the image fare in terms of quality[ relative to the reference]? Explain why.",
    "Judge the overall quality of the image[ using the reference] and describe the factors "
    "behind your judgement.",
    "Describe any quality issues in the image[ compared with the reference] and how they shape "
    "its overall quality.",
    "Review this image's quality[ with the reference in mind] and explain your rating.",
    "Offer your opinion of the image quality[ relative to the reference], with a clear "
    "explanation.",
    "Explain, with reasons, how you would rate the quality of this image[ against the "
    "reference].",
)

COMPARISON: tuple[str, ...] = (
    "Compare the quality of Image A and Image B[ relative to the reference] and explain which "
    "is better.",
    "Which of Image A and Image B has better quality[ given the reference]? Explain your "
    "reasoning.",
    "Evaluate Image A against Image B[ using the reference] and justify which one is of higher "
    "quality.",
    "Describe the quality differences between Image A and Image B[ relative to the reference], "
    "then say which is better.",
    "Analyse both images[ with the reference as a baseline] and explain which one has superior "
    "quality.",
    "How do Image A and Image B differ in quality[ when compared with the reference]? Which do "
    "you prefer, and why?",
    "Assess the quality of the two images[ against the reference] and give a reasoned verdict "
    "on the better one.",
    "Walk me through a quality comparison of Image A and Image B[, taking the reference into "
    "account].",
    "Judge which image, A or B, is better in quality[ compared to the reference], and explain "
    "what drives your judgement.",
    "Weigh the quality of Image A against that of Image B[ in light of the reference] and "
    "explain your conclusion.",
    "Contrast the visual quality of Image A and Image B[ relative to the reference]. Which one "
    "comes out ahead, and why?",
    "Examine Image A and Image B[ next to the reference] and explain which one has higher "
    "quality.",
    "Which image would you choose for its quality, A or B[, with the reference in mind]? Give "
    "your reasons.",
    "Provide a detailed comparison of the quality of Image A and Image B[ using the reference], "
    "ending with the better one.",
    "Discuss the strengths and weaknesses in quality of Image A and Image B[ relative to the "
    "reference], and name the better image.",
    "Compare Image A and Image B[ against the reference]: which one has better quality, and "
    "what are your reasons?",
    "Review the two images[ with respect to the reference] and justify which one looks better.",
    "Rank Image A and Image B by quality[ compared with the reference] and explain the ranking.",
    "Between Image A and Image B, which has the better overall quality[ given the reference]? "
    "Support your answer.",
    "Study Image A and Image B[ alongside the reference] and reason out which one is of better "
    "quality.",
)


@dataclass(frozen=True)
class ScoringEntry:
    question: str
    answer: str  # holds ``{level}``, the level word


SCORING: tuple[ScoringEntry, ...] = (
    ScoringEntry("How would you rate the quality of this image[ given the reference]?",
                 "The quality of this image is {level}."),
    ScoringEntry("What is the overall quality of the evaluated image[ compared with the "
                 "reference]?", "The evaluated image has {level} quality."),
    ScoringEntry("Rate the image's quality[ against its reference].",
                 "I would rate its quality as {level}."),
    ScoringEntry("How good does this image look[ next to the reference]?",
                 "Its quality looks {level}."),
    ScoringEntry("Give a quality rating for the image[, using the reference as a guide].",
                 "My rating for this image is {level}."),
    ScoringEntry("On a quality scale, where does this image fall[ relative to the reference]?",
                 "This image falls at {level} on the quality scale."),
    ScoringEntry("Judge the visual quality of the image[ in comparison with the reference].",
                 "Its visual quality is {level}."),
    ScoringEntry("What quality level would you give this picture[, judging against the "
                 "reference]?", "I would give it a quality level of {level}."),
    ScoringEntry("How would a careful viewer score the quality of this image[ with the "
                 "reference at hand]?", "A careful viewer would score its quality as {level}."),
    ScoringEntry("Score the perceptual quality of the evaluated image[ with respect to the "
                 "reference].", "The perceptual quality of the evaluated image is {level}."),
    ScoringEntry("How acceptable is the quality of this image[ when set beside the "
                 "reference]?", "Its quality is {level}."),
    ScoringEntry("Which quality level best describes this image[, taking the reference into "
                 "account]?", "The level that best describes it is {level}."),
    ScoringEntry("Assign this image a quality grade[ by comparing it with the reference].",
                 "I assign it the grade {level}."),
    ScoringEntry("In one word, how is the quality of the image[ measured against its "
                 "reference]?", "In one word, its quality is {level}."),
    ScoringEntry("What is your verdict on the image quality[ relative to the reference image]?",
                 "My verdict is that the image quality is {level}."),
    ScoringEntry("How high is the quality of this photo[ compared to the reference]?",
                 "The quality of this photo is {level}."),
    ScoringEntry("Evaluate the image and state its quality level[, with the reference as the "
                 "baseline].", "The image's quality level is {level}."),
    ScoringEntry("Would you call the quality of this image bad, good or something in "
                 "between[, given its reference]?", "I would call its quality {level}."),
    ScoringEntry("How does the image score for technical quality[ against the reference]?",
                 "For technical quality the image scores {level}."),
    ScoringEntry("Place the quality of the evaluated image on the scale[, using the reference "
                 "for comparison].", "The evaluated image sits at {level}."),
    ScoringEntry("Looking at the image[ and its reference], how would you grade its quality?",
                 "I would grade its quality as {level}."),
    ScoringEntry("What quality would you assign to this image overall[, in light of the "
                 "reference]?", "Overall, I would assign it {level} quality."),
)
