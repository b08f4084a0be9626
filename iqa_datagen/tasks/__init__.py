"""Tasks as units: one module per task, one registry (``TASKS``) used everywhere.

Adding a task means one module with a ``BriefTask``, ``DetailedTask`` or ``DerivedTask``
subclass and its registration below (or ``register_task`` from a plugin). Registration order is
the order the dataset card lists tasks in.
"""

from __future__ import annotations

from .assessment import AssessmentReasoning
from .base import (REFERENCE_WORDS, BriefTask, DerivedTask, DetailedTask, PendingDetailed,
                   SampleContext, Task)
from .comparison import ComparisonReasoning
from .expansion import QAExpansion
from .identification import Identification
from .quality import QualityScoring
from .rating import InstantRating
from .registry import TaskRegistry, UnknownTaskError
from .two_stage import TwoStageReasoning

TASKS = TaskRegistry()
for _task in (Identification, AssessmentReasoning, InstantRating, ComparisonReasoning,
              QualityScoring, QAExpansion, TwoStageReasoning):
    TASKS.register(_task)


def register_task(task: Task | type[Task]) -> Task:
    """Add a task to the registry every step consults."""
    return TASKS.register(task)


def get_task(name: str) -> Task:
    return TASKS.get(name)


__all__ = ["REFERENCE_WORDS", "TASKS", "BriefTask", "DerivedTask",
           "DetailedTask", "PendingDetailed", "SampleContext", "Task", "TaskRegistry",
           "UnknownTaskError", "get_task", "register_task"]
