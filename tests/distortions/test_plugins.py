"""Extending the catalogue from outside the project: module paths and entry points."""

import json

import numpy as np
import pytest

from iqa_datagen import distortions
from iqa_datagen.distortions import DistortionError, DistortionSpec, build_registry
from iqa_datagen.distortions.sampler import Sampler, SamplerConfig


def test_module_plugin_listed_applied_sampled(natural_image):
    registry = distortions.build_registry(["iqa_test_plugin"])
    names = registry.names()
    assert "vignette_radial" in names and "noise_sparkle" in names and len(names) == 37
    # the plugin lives in the registry that was built with it: nothing process-wide changes
    assert "vignette_radial" not in [s.name for s in distortions.catalogue()]
    assert registry.get("vignette_radial").source == "module:iqa_test_plugin"
    assert registry.gt_name("vignette") == "vignetting"
    assert registry.category_names()["vignette"] == "vignetting"
    with pytest.raises(DistortionError, match="no ground-truth name for distortion category 'x"):
        registry.category_names()["xyz"]
    with pytest.raises(DistortionError, match="no ground-truth name"):  # never a guessed name
        registry.gt_name("made_up")
    with pytest.raises(DistortionError, match="unknown distortion 'vignette_radial'"):
        distortions.apply(natural_image, "vignette_radial", 5, 0)
    out = distortions.apply(natural_image, "vignette_radial", 5, 0, registry=registry)
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


def test_entry_point_plugin(tmp_path, monkeypatch):
    dist = tmp_path / "iqa_test_plugin_dist-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: iqa-test-plugin-dist\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[iqa_datagen.distortions]\nvignette = iqa_test_plugin:only_vignette\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = build_registry()
    assert registry.get("vignette_radial").source == "entry-point:vignette"


def test_cli_lists_plugin(capsys):
    from iqa_datagen.cli import main

    assert main(["catalogue", "--json", "--plugin", "iqa_test_plugin"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_name = {d["name"]: d for d in data}
    assert by_name["vignette_radial"]["gt_name"] == "vignetting"
    assert [lv["params"]["strength"] for lv in by_name["vignette_radial"]["levels"]] == \
        [0.2, 0.35, 0.5, 0.65, 0.8]


def test_a_plugin_category_is_named_alike_in_answers_prompts_and_offline_text(natural_image):
    from iqa_datagen.generators import brief
    from iqa_datagen.generators.base import DetailedRequest
    from iqa_datagen.generators.llm import validation
    from iqa_datagen.generators.llm.prompts import describe_labels
    from iqa_datagen.generators.offline import OfflineDetailedGenerator
    from iqa_datagen.schemas import DistortionLabel

    registry = build_registry(["iqa_test_plugin"])
    names = registry.category_names()
    label = DistortionLabel(category="vignette", name="vignette_radial", level=4, grade="serious")
    _, answer = brief.identification_text([label], names, "full_reference", "test",
                                          np.random.default_rng(0))
    assert answer == "Vignetting"
    assert describe_labels([label], names) == "vignetting (serious; radial variant)"
    image = distortions.apply(natural_image, "vignette_radial", 4, 0, registry=registry)
    request = DetailedRequest(key="v", task="assessment_reasoning", image_ref=natural_image,
                              image_a=image, distortions_a=(label,), seed=1)
    text = OfflineDetailedGenerator(names).generate([request])[0].text
    assert "vignetting" in text.lower()
    assert not [r for r in validation.validate_assessment(text, [label], names=names)
                if "omits" in r], text
    with pytest.raises(DistortionError, match="no ground-truth name.*'vignette'"):
        OfflineDetailedGenerator().generate([request])  # built-in names only: refused, not guessed


def test_shards_with_different_plugins_run_side_by_side_in_threads(tmp_path):
    """Each shard runner builds its own registry from its config: nothing process-wide is
    replaced, so a plugin shard and a built-in shard in parallel threads each see their own."""
    from concurrent.futures import ThreadPoolExecutor

    from iqa_datagen.config import load_config
    from iqa_datagen.pipeline.references import Shard, discover
    from iqa_datagen.pipeline.shard import ShardRunner
    from iqa_datagen.storage import iter_batches

    base = {"references.short_side": 48, "references.limit": 3, "assistant.enabled": False,
            "llm.mode": "off", "tasks.identification": 3, "tasks.instant_rating": 0,
            "tasks.assessment": 1, "tasks.comparison": 0, "tasks.pristine_share": 0.0,
            "tasks.multi_share": 0.0}
    plugin = load_config(None, {**base, "plugins": ["iqa_test_plugin"],
                                "tasks.distortions": ["vignette_radial"]})
    builtin = load_config(None, {**base, "tasks.distortions": ["blur_gaussian"]})

    def run(config, folder):
        with ShardRunner(config, folder) as runner:
            return runner.run(Shard(0, tuple(discover(config))))

    with ThreadPoolExecutor(2) as pool:
        jobs = [pool.submit(run, c, tmp_path / f"{n}{i}") for i in range(2)
                for n, c in (("p", plugin), ("b", builtin))]
        [job.result() for job in jobs]
    for folder, name, phrase in (("p0", "vignette_radial", "vignetting"),
                                 ("p1", "vignette_radial", "vignetting"),
                                 ("b0", "blur_gaussian", "blur"), ("b1", "blur_gaussian", "blur")):
        rows = [r for b in iter_batches(tmp_path / folder) for r in b.to_pylist()]
        assert rows and {d["name"] for r in rows for d in r["distortions_a"]} == {name}
        detailed = [r for r in rows if r["task"] == "assessment_reasoning"]
        assert detailed and all(phrase in r["response"].lower() for r in detailed)


def test_readme_plugin_commands_run_as_written(tmp_path):
    """The README's plugin example, run exactly as written from a checkout (here a folder with
    the checkout's tests/ in it); the catalogue line must list and draw both distortions."""
    import os
    import shlex
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parents[2]
    lines = [line for line in (root / "README.md").read_text().splitlines()
             if line.startswith("PYTHONPATH=tests/plugins iqa-datagen ")]
    assert len(lines) == 2 and "extend dataset --plugin iqa_test_plugin" in lines[1]
    (tmp_path / "tests").symlink_to(root / "tests")
    words = shlex.split(lines[0])
    env = {**os.environ, words[0].split("=")[0]: words[0].split("=", 1)[1]}
    cli = [sys.executable, "-m", "iqa_datagen.cli"]
    proc = subprocess.run(cli + words[2:], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "(2 distortions × 5 levels)" in proc.stderr
    assert (tmp_path / "plugin-sheet.png").stat().st_size > 0
    # The extend line resolves its plugin the same way (checked up to needing a dataset).
    words = shlex.split(lines[1])
    proc = subprocess.run(cli + words[2:], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2 and "dataset: not a dataset folder" in proc.stderr
