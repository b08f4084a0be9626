"""Packages whose names import on first use: the names resolve as eager imports would, unknown
names fail as attribute errors, and a light name does not load the heavy modules beside it."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_lazy_names_resolve_once_and_unknown_names_are_attribute_errors():
    import iqa_datagen.generators.mos as mos
    import iqa_datagen.storage as storage

    from iqa_datagen.generators.mos.types import MosFormatError
    from iqa_datagen.storage.layout import read_manifest

    assert mos.MosFormatError is MosFormatError
    assert storage.read_manifest is read_manifest
    assert "read_manifest" in vars(storage)  # cached on the module after the first lookup
    assert {"MosFormatError", "load_mos"} <= set(dir(mos))
    assert storage.writer.__name__ == "iqa_datagen.storage.writer"  # submodules, as before
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        mos.no_such_name  # noqa: B018
    with pytest.raises(ImportError):
        from iqa_datagen.generators.llm import no_such_name  # noqa: F401


@pytest.mark.parametrize("package", ["iqa_datagen.storage", "iqa_datagen.generators.llm",
                                     "iqa_datagen.generators.mos"])
def test_every_exported_name_resolves(package):
    import importlib

    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, (package, name)


def test_a_light_name_loads_no_heavy_module():
    script = ("import sys\n"
              "def heavy(): return sorted(m for m in ('pyarrow', 'openai') if m in sys.modules)\n"
              "from iqa_datagen.generators.mos import MosFormatError\n"
              "from iqa_datagen.storage import read_manifest, StorageError\n"
              "print(heavy())\n"
              "from iqa_datagen.generators.llm import validation  # the record schema: Arrow\n"
              "print(heavy())\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert out.split("\n")[:2] == ["[]", "['pyarrow']"], out
