"""Question and answer-template pools for the four tasks, and the helpers that render them.

Pools (data, see ``pools``): ``IDENTIFICATION`` (24 entries: question, count-stating question,
answer template with ``{distortions}``), ``RATING`` (20: question, answer template with
``{winner}``), ``ASSESSMENT`` (20 questions), ``COMPARISON`` (20 questions), ``SCORING`` (22:
question, answer template with ``{level}``). Bracketed clauses
mention the reference and appear only in the full-reference setting (``for_setting``).
"""

from .pools import (ASSESSMENT, COMPARISON, IDENTIFICATION, PRISTINE_ANSWER,
                    PRISTINE_SHORT_ANSWER, RATING, SCORING, SHORT_ANSWER_SUFFIX,
                    IdentificationEntry, RatingEntry, ScoringEntry)
from .render import (SETTINGS, capitalise_first, check_setting, count_slots, for_setting,
                     join_names)

__all__ = [
    "ASSESSMENT", "COMPARISON", "IDENTIFICATION", "PRISTINE_ANSWER", "PRISTINE_SHORT_ANSWER",
    "RATING", "SCORING", "SETTINGS", "SHORT_ANSWER_SUFFIX", "IdentificationEntry", "RatingEntry", "ScoringEntry",
    "capitalise_first", "check_setting", "count_slots", "for_setting", "join_names",
]
