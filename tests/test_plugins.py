"""Extending the catalogue from outside the project: module paths and entry points."""

import json
import sys

import numpy as np
import pytest

from iqa_datagen import distortions
from iqa_datagen.distortions import DistortionError, DistortionSpec, build_registry
from iqa_datagen.distortions.sampler import Sampler, SamplerConfig


@pytest.fixture
def restore_registry():
    yield
    distortions.use_plugins([])


def test_module_plugin_listed_applied_sampled(natural_image, restore_registry):
    registry = distortions.use_plugins(["iqa_test_plugin"])
    names = [s.name for s in distortions.catalogue()]
    assert "vignette_radial" in names and "noise_sparkle" in names and len(names) == 37
    assert registry.get("vignette_radial").source == "module:iqa_test_plugin"
    assert registry.gt_name("vignette") == "vignetting"
    out = distortions.apply(natural_image, "vignette_radial", 5, 0)
    assert out.shape == natural_image.shape and not np.array_equal(out, natural_image)
    # the sampler draws the new category and pairs it as the plugin allows
    sampler = Sampler(SamplerConfig(pristine_share=0.0), registry=registry)
    rng = np.random.default_rng(0)
    plans = [sampler.sample(rng) for _ in range(3000)]
    drawn = {d.name for p in plans for d in p.distortions}
    assert {"vignette_radial", "noise_sparkle"} <= drawn
    pairs = [p for p in plans if p.multi and p.distortions[0].category == "vignette"]
    assert pairs and all(p.distortions[1].category == "noise" for p in pairs)


def test_module_attr_form_and_collision():
    registry = build_registry(["iqa_test_plugin:only_vignette"], entry_point_plugins=False)
    assert "vignette_radial" in registry and "noise_sparkle" not in registry
    with pytest.raises(DistortionError, match="collision.*vignette_radial"):
        build_registry(["iqa_test_plugin:only_vignette", "iqa_test_plugin"],
                       entry_point_plugins=False)


def test_builtin_name_collision_is_an_error():
    spec = DistortionSpec(name="blur_gaussian", category="blur", fn=lambda im, rng, k: im,
                          levels=tuple({"k": i} for i in range(5)))
    registry = build_registry(entry_point_plugins=False)
    with pytest.raises(DistortionError, match="collision: 'blur_gaussian'"):
        registry.register(spec)


def test_bad_specs_rejected():
    with pytest.raises(DistortionError, match="exactly 5 levels"):
        DistortionSpec(name="x", category="blur", fn=lambda im, rng, a: im, levels=({"a": 1},))
    with pytest.raises(DistortionError, match="not accepted"):
        DistortionSpec(name="x", category="blur", fn=lambda im, rng, a: im,
                       levels=tuple({"b": i} for i in range(5)))
    with pytest.raises(DistortionError, match="new category"):
        build_registry(entry_point_plugins=False).register(
            DistortionSpec(name="x", category="brand_new", fn=lambda im, rng, a: im,
                           levels=tuple({"a": i} for i in range(5))))
    with pytest.raises(DistortionError, match="cannot be imported"):
        build_registry(["no_such_module_xyz"], entry_point_plugins=False)


def test_entry_point_plugin(tmp_path, monkeypatch, restore_registry):
    dist = tmp_path / "iqa_test_plugin_dist-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: iqa-test-plugin-dist\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[iqa_datagen.distortions]\nvignette = iqa_test_plugin:only_vignette\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = build_registry()
    assert registry.get("vignette_radial").source == "entry-point:vignette"


def test_cli_lists_plugin(capsys, restore_registry):
    from iqa_datagen.cli import main

    assert main(["catalogue", "--json", "--plugin", "iqa_test_plugin"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_name = {d["name"]: d for d in data}
    assert by_name["vignette_radial"]["gt_name"] == "vignetting"
    assert [lv["params"]["strength"] for lv in by_name["vignette_radial"]["levels"]] == \
        [0.2, 0.35, 0.5, 0.65, 0.8]
