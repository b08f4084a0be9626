"""Named extension points that a plugin fills without editing this project.

Each ``NamedRegistry`` maps names to objects (an MOS kind's loader, an export format, a response
writer's factory). Built-ins are registered by the module that owns them; a plugin registers its
own with ``register`` from code, or declares an entry point in the registry's group, loaded the
first time a name is looked up or listed (``[project.entry-points."iqa_datagen.export_formats"]
myformat = "my_pkg.export:FORMAT"``).
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Callable, Generic, Iterator, Optional, TypeVar

T = TypeVar("T")


class NamedRegistry(Generic[T]):
    """Objects by name, plus those declared under the entry-point group ``group``."""

    def __init__(self, what: str, group: str,
                 normalise: Callable[[str], str] = lambda name: name) -> None:
        self.what = what  # "MOS kind", "export format", ... (for messages)
        self.group = group
        self._normalise = normalise
        self._items: dict[str, T] = {}
        self._entry_points_loaded = False

    def register(self, name: str, item: T) -> T:
        key = self._normalise(name)
        if key in self._items:
            raise ValueError(f"{self.what} {name!r} is already registered")
        self._items[key] = item
        return item

    def find(self, name: str) -> Optional[T]:
        self._load_entry_points()
        return self._items.get(self._normalise(name))

    def get(self, name: str) -> T:
        item = self.find(name)
        if item is None:
            raise ValueError(f"unknown {self.what} {name!r}; known: {', '.join(self.names())}")
        return item

    def names(self) -> list[str]:
        self._load_entry_points()
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def _load_entry_points(self) -> None:
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for ep in sorted(entry_points(group=self.group), key=lambda e: e.name):
            if self._normalise(ep.name) in self._items:
                continue
            try:
                item = ep.load()
            except Exception as exc:  # a broken plugin must say which one it is
                raise ValueError(f"{self.what} entry point {ep.name!r} ({ep.value}) failed to "
                                 f"load: {exc}") from exc
            self._items[self._normalise(ep.name)] = item
