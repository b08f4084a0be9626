"""Where distortion specs are looked up: the built-ins plus plugins.

Plugins come from two places, so a user never edits this project to add a distortion:
- the Python entry-point group ``iqa_datagen.distortions`` (an installed package declares
  ``name = "module:attr"``), and
- module paths given in config or on the command line (``"my_pkg.my_module"`` or
  ``"my_pkg.my_module:ATTR"``).
The target is a DistortionSpec, an iterable of them, or a zero-argument callable returning either;
a module path without ``:ATTR`` uses the module's ``DISTORTIONS`` attribute.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any, Iterable, Iterator, Mapping

from .builtin import builtin_specs
from .categories import GT_NAMES
from .spec import DistortionError, DistortionSpec

ENTRY_POINT_GROUP = "iqa_datagen.distortions"


class CategoryNames(Mapping[str, str]):
    """Category → the phrase answers, prompts and checks use for it (``blur``, ``JPEG
    compression``, a plugin's ``gt_name``): the one display-name lookup. A category it does not
    know is an error, never a guessed name."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self._names = dict(names)

    def __getitem__(self, category: str) -> str:
        try:
            return self._names[category]
        except KeyError:
            raise DistortionError(f"no ground-truth name for distortion category {category!r}; "
                                  f"known: {sorted(self._names)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"CategoryNames({self._names!r})"


BUILTIN_NAMES = CategoryNames(GT_NAMES)


class Registry:
    """An ordered, collision-free set of distortion specs."""

    def __init__(self, specs: Iterable[DistortionSpec] = ()) -> None:
        self._specs: dict[str, DistortionSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: DistortionSpec) -> None:
        if not isinstance(spec, DistortionSpec):
            raise DistortionError(f"expected a DistortionSpec, got {type(spec).__name__}: {spec!r}")
        if spec.name in self._specs:
            other = self._specs[spec.name]
            raise DistortionError(
                f"distortion name collision: {spec.name!r} from {spec.source} is already "
                f"defined by {other.source}"
            )
        if spec.gt_name is None:
            if spec.category not in GT_NAMES:
                raise DistortionError(
                    f"distortion {spec.name!r} ({spec.source}) is in the new category "
                    f"{spec.category!r}: set gt_name to the phrase answers should use"
                )
            spec = _replace(spec, gt_name=GT_NAMES[spec.category])
        self._specs[spec.name] = spec

    def get(self, name: str) -> DistortionSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise DistortionError(
                f"unknown distortion {name!r}; known: {', '.join(self._specs)}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self):
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def names(self) -> list[str]:
        return list(self._specs)

    def categories(self) -> list[str]:
        """Categories in first-seen order."""
        return list(dict.fromkeys(s.category for s in self._specs.values()))

    def in_category(self, category: str) -> list[DistortionSpec]:
        return [s for s in self._specs.values() if s.category == category]

    def gt_name(self, category: str) -> str:
        """One category's display name (``category_names()[category]``)."""
        return self.category_names()[category]

    def category_names(self) -> CategoryNames:
        """Every category's display name, in first-seen order: its first spec's ``gt_name``
        (``register`` gives every spec one)."""
        names: dict[str, str] = {}
        for spec in self._specs.values():
            if spec.gt_name:
                names.setdefault(spec.category, spec.gt_name)
        return CategoryNames(names)

    def load_module(self, path: str) -> list[DistortionSpec]:
        """Register the specs named by a module path ``pkg.mod`` or ``pkg.mod:ATTR``."""
        module_name, _, attr = path.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise DistortionError(f"plugin module {path!r} cannot be imported: {exc}") from exc
        attr = attr or "DISTORTIONS"
        if not hasattr(module, attr):
            raise DistortionError(f"plugin module {path!r} has no attribute {attr!r}")
        return self._add(getattr(module, attr), source=f"module:{path}")

    def load_entry_points(self) -> list[DistortionSpec]:
        """Register everything declared in the ``iqa_datagen.distortions`` entry-point group."""
        added: list[DistortionSpec] = []
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            try:
                target = ep.load()
            except Exception as exc:  # a broken plugin must say which one it is
                raise DistortionError(f"entry point {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
            added += self._add(target, source=f"entry-point:{ep.name}")
        return added

    def _add(self, target: Any, source: str) -> list[DistortionSpec]:
        if callable(target) and not isinstance(target, DistortionSpec):
            target = target()
        specs = [target] if isinstance(target, DistortionSpec) else list(target)
        added = []
        for spec in specs:
            if not isinstance(spec, DistortionSpec):
                raise DistortionError(f"plugin {source} gave {spec!r}, not a DistortionSpec")
            if spec.source == "builtin":
                spec = _replace(spec, source=source)
            self.register(spec)
            added.append(self._specs[spec.name])
        return added


def _replace(spec: DistortionSpec, **changes: Any) -> DistortionSpec:
    fields = dict(name=spec.name, category=spec.category, fn=spec.fn, levels=spec.levels,
                  description=spec.description, random=spec.random, source=spec.source,
                  gt_name=spec.gt_name, extra=spec.extra)
    fields.update(changes)
    return DistortionSpec(**fields)


def build_registry(plugins: Iterable[str] = (), entry_point_plugins: bool = True) -> Registry:
    """Built-ins, then entry-point plugins, then the given module paths."""
    registry = Registry(builtin_specs())
    if entry_point_plugins:
        registry.load_entry_points()
    for path in plugins:
        registry.load_module(path)
    return registry


_DEFAULT: Registry | None = None


def active_registry() -> Registry:
    """The default registry (built-ins and installed entry points), built once and never
    replaced: what ``catalogue()``, ``apply()`` and a ``Sampler`` use when given none. Builds
    with plugin modules make their own with ``build_registry`` and pass it to every step."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = build_registry()
    return _DEFAULT
