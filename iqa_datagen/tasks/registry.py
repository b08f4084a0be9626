"""The task registry: every task by name, in the order the card lists them.

One instance, ``TASKS``, is used everywhere a task name is checked or a task's behaviour is
needed. Built-in tasks are registered by ``iqa_datagen.tasks``; a plugin registers its own with
``register_task`` (a ``Task`` instance or class).
"""

from __future__ import annotations

from typing import Iterator, Optional

from .base import BriefTask, DerivedTask, DetailedTask, Task


class UnknownTaskError(ValueError):
    """A task name that no registered task has."""


class TaskRegistry:
    """Tasks by name, in registration order."""

    def __init__(self) -> None:
        self._tasks: dict[str, Task] = {}

    def register(self, task: Task | type[Task]) -> Task:
        task = task() if isinstance(task, type) else task
        if not isinstance(task, Task):
            raise TypeError(f"a task must be a Task, got {type(task).__name__}")
        if task.name in self._tasks:
            raise ValueError(f"task {task.name!r} is already registered")
        self._tasks[task.name] = task
        return task

    def get(self, name: str) -> Task:
        try:
            return self._tasks[name]
        except KeyError:
            raise UnknownTaskError(f"unknown task {name!r}; known: "
                                   f"{', '.join(self._tasks)}") from None

    def find(self, name: str) -> Optional[Task]:
        """The task ``name``, or None (records of a task this version does not know)."""
        return self._tasks.get(name)

    def detailed(self, name: str) -> DetailedTask:
        """The detailed task ``name``; UnknownTaskError for any other name."""
        task = self._tasks.get(name)
        if not isinstance(task, DetailedTask):
            raise UnknownTaskError(f"unknown task {name!r}; expected one of "
                                   f"{sorted(t.name for t in self.of_kind(DetailedTask))}")
        return task

    def names(self) -> tuple[str, ...]:
        return tuple(self._tasks)

    def record_tasks(self) -> tuple[str, ...]:
        """The names a record's ``task`` can hold (tasks whose records carry their own name)."""
        return tuple(name for name, task in self._tasks.items() if task.own_records)

    def of_kind(self, kind: type) -> list:
        return [t for t in self._tasks.values() if isinstance(t, kind)]

    def sampled(self) -> list[Task]:
        """Tasks made per reference, in sampling order: brief ones first, then detailed ones."""
        return self.of_kind(BriefTask) + self.of_kind(DetailedTask)

    def derived(self) -> list[DerivedTask]:
        return self.of_kind(DerivedTask)

    def index(self, name: str) -> int:
        """Position in the card's order (unknown names last)."""
        names = self.names()
        return names.index(name) if name in names else len(names)

    def __contains__(self, name: object) -> bool:
        return name in self._tasks

    def __iter__(self) -> Iterator[Task]:
        return iter(self._tasks.values())

    def __len__(self) -> int:
        return len(self._tasks)
