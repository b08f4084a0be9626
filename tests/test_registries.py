"""Open extension points: MOS kinds usable from a config, export formats and response writers
added by a plugin (in code or as an installed entry point) without editing the project."""

from __future__ import annotations

import json

import pytest

from iqa_datagen.config import ConfigError, load_config
from iqa_datagen.generators import writers
from iqa_datagen.generators.mos import MOS_KINDS, MosEntry, mos_kinds, register_mos_kind
from iqa_datagen.pipeline.references import Shard, discover
from iqa_datagen.pipeline.shard import ShardRunner
from iqa_datagen.storage import export_dataset, iter_batches
from iqa_datagen.storage.export import EXPORT_FORMATS

TINY = {"references.short_side": 48, "references.limit": 2, "assistant.enabled": False,
        "llm.mode": "off", "tasks.identification": 1, "tasks.instant_rating": 0,
        "tasks.assessment": 1, "tasks.comparison": 0}


def _isolate(monkeypatch, registry):
    """Registrations made by the test stay in the test."""
    monkeypatch.setattr(registry, "_items", dict(registry._items))


def _build(tmp_path, **overrides):
    config = load_config(None, {**TINY, **overrides})
    with ShardRunner(config, tmp_path) as runner:
        runner.run(Shard(0, tuple(discover(config))))
    return [r for b in iter_batches(tmp_path) for r in b.to_pylist()]


def test_every_registered_mos_kind_is_accepted_by_the_config(monkeypatch, tmp_path):
    _isolate(monkeypatch, MOS_KINDS)
    assert load_config(None, {"mos": [{"kind": "raw_csv", "root": "r.csv"}]}).mos[0].kind == \
        "raw_csv"  # a built-in kind the config used to reject
    with pytest.raises(ConfigError, match="unknown MOS kind 'lab_study'; known: bapps, csiq"):
        load_config(None, {"mos": [{"kind": "lab_study", "root": "x"}]})

    def lab_study(root, **opts):
        return [MosEntry("lab", root / "ref.png", root / f"d{i}.png", float(i), True)
                for i in range(3)]

    register_mos_kind("lab_study", lab_study)
    assert "lab_study" in mos_kinds()
    config = load_config(None, {"mos": [{"kind": "lab_study", "root": str(tmp_path)}]})
    from iqa_datagen.generators.mos import load_mos_pairs

    pairs = load_mos_pairs(config.mos[0].kind, tmp_path, seed=0)
    assert pairs and all(p.dataset == "lab" for p in pairs)


def test_an_installed_export_format_is_found_by_its_entry_point(monkeypatch, tmp_path):
    _isolate(monkeypatch, EXPORT_FORMATS)
    monkeypatch.setattr(EXPORT_FORMATS, "_entry_points_loaded", False)
    site = tmp_path / "site"
    (site / "iqa_jsonl_export").mkdir(parents=True)
    (site / "iqa_jsonl_export" / "__init__.py").write_text(
        "from iqa_datagen.storage.export import ExportFormat\n"
        "FORMAT = ExportFormat(lambda row: f'{row[\"task\"]}.json',\n"
        "                      lambda row, images: {'q': row['question'], 'a': row['response'],\n"
        "                                           'img': images.path_for(row['image_a'])})\n")
    dist = site / "iqa_jsonl_export-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: iqa-jsonl-export\n"
                                   "Version: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[iqa_datagen.export_formats]\nqa_pairs = iqa_jsonl_export:FORMAT\n")
    monkeypatch.syspath_prepend(str(site))
    rows = _build(tmp_path / "ds")
    summary = export_dataset(tmp_path / "ds", "qa_pairs", tmp_path / "out")
    assert summary["records"] == len(rows)
    items = json.loads((tmp_path / "out" / "distortion_identification.json").read_text())
    assert {i["a"] for i in items} == {r["response"] for r in rows
                                       if r["task"] == "distortion_identification"}
    assert all((tmp_path / "out" / i["img"]).is_file() for i in items)


def test_a_registered_detailed_writer_is_chosen_by_the_config(monkeypatch, tmp_path):
    _isolate(monkeypatch, writers.DETAILED_WRITERS)
    with pytest.raises(ConfigError, match="unknown detailed writer 'plain'; known: llm, off"):
        load_config(None, {"detailed.writer": "plain"})

    class Plain:
        """Writes every response as one flat sentence naming the distortions."""

        name, version = "plain", "1"

        def __init__(self, names):
            self.names = names

        def generate(self, requests):
            from iqa_datagen.generators.base import DetailedResult

            return [DetailedResult(key=r.key, generator=self.name, generator_version="1",
                                   text="Plainly: " + ", ".join(self.names[d.category]
                                                                for d in r.distortions_a)
                                   + ".")
                    for r in requests]

    writers.DETAILED_WRITERS.register("plain", lambda ctx: Plain(ctx.names))
    rows = _build(tmp_path, **{"detailed.writer": "plain", "expansion.mode": "off"})
    detailed = [r for r in rows if r["task"] == "assessment_reasoning"]
    assert detailed and all(r["response"].startswith("Plainly:") for r in detailed)
    assert {r["provenance"]["generator"] for r in detailed} == {"plain"}
