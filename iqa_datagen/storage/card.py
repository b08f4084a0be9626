"""The dataset card: ``README.md`` with Hugging Face YAML front matter, tables and plots.

The front matter's ``configs`` lists each split's files so ``datasets.load_dataset(folder)`` and
the Hub find them; the body reports counts (docs/tasks.md layout), response lengths, the distortion
distribution and image statistics, with histograms written under ``stats/``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Optional

import numpy as np
import yaml

from iqa_datagen.distortions.categories import NO_REFERENCE_DROP_SLIGHT
from iqa_datagen.schemas import SCHEMA_VERSION
from iqa_datagen.tasks import TASKS

from .layout import (CARD_NAME, DATA_DIR, MANIFEST_NAME, STATS_DIR, atomic_write_bytes,
                     atomic_write_text, ordered_splits)
from .context_summary import card_lines as context_lines
from .layout import read_manifest
from .quality_stats import library_notes, plot_scores, quality_table
from .stats import DEFAULT_IMAGE_CAP, MAX_HIST_WORDS, PERCENTILES, collect_stats

SETTING_TITLES = {"full_reference": "full-reference", "no_reference": "no-reference"}
STAT_TITLES = {
    "brightness": "Brightness (mean luma, 0–255)",
    "contrast": "Contrast (RMS of luma)",
    "colourfulness": "Colourfulness (Hasler–Süsstrunk)",
    "edge_density": "Edge density (Canny share, 0–1)",
    "texture_variance": "Texture variance (7×7 local variance of luma)",
}


def _title(task: str) -> str:
    """The card's name of a task; ``<task>:<stage>`` names a two-stage record kind."""
    task, _, stage = task.partition(":")
    known = TASKS.find(task)
    title = known.title if known else task
    return f"{title} ({stage})" if stage else title


_SCALE_TITLES = {"single": "Single distortions (five grades)",
                 "pair": "Pairs of distortions (three grades each)"}


# -- plots -------------------------------------------------------------------------------------

def _figure(width: float = 6.0, height: float = 3.6):
    from matplotlib.figure import Figure  # object API: no pyplot global state, Agg canvas

    return Figure(figsize=(width, height), dpi=100, layout="tight")


def _save(fig, path: Path) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    atomic_write_bytes(path, buf.getvalue(), durable=False)
    return path.name


def plot_image_histograms(values: dict[str, np.ndarray], folder: Path) -> dict[str, str]:
    """One histogram PNG per image statistic; {stat: file name}."""
    out = {}
    for name, x in values.items():
        fig = _figure()
        ax = fig.add_subplot()
        if len(x):
            ax.hist(x, bins=min(50, max(10, len(x) // 10)), color="#3a6ea5")
        ax.set_title(STAT_TITLES.get(name, name))
        ax.set_xlabel(name)
        ax.set_ylabel("images")
        out[name] = _save(fig, folder / f"image_{name}.png")
    return out


def plot_distortions(distortions: dict, folder: Path) -> str:
    """Stacked bars: label count per category, split by grade; one panel per grade scale."""
    per_scale = distortions["per_scale_category_level"]
    scales = distortions["grade_scales"]
    fig = _figure(8.0, 6.0)
    shades = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]  # light = slight
    for row, (scale, words) in enumerate(scales.items()):
        ax = fig.add_subplot(len(scales), 1, row + 1)
        per_level = per_scale.get(scale, {})
        cats = sorted(per_level)
        bottom = np.zeros(len(cats))
        for level, word in enumerate(words, start=1):
            heights = np.array([per_level[c].get(str(level), 0) for c in cats], dtype=float)
            if heights.any():
                ax.bar(cats, heights, bottom=bottom, label=f"{level} {word}",
                       color=shades[round((level - 1) * 4 / max(len(words) - 1, 1))])
                bottom += heights
        ax.set_ylabel("labels")
        ax.set_title(f"{_SCALE_TITLES.get(scale, scale)}: labels per category and grade")
        ax.tick_params(axis="x", labelrotation=60, labelsize=7)
        if cats:
            ax.legend(fontsize=7)
    return _save(fig, folder / "distortions.png")


def plot_response_lengths(hists: dict[tuple, np.ndarray], folder: Path) -> str:
    """Response length distribution (words) per task and response kind."""
    fig = _figure(8.0, 4.0)
    ax = fig.add_subplot()
    width = 5  # words per bin
    last = max((int(np.flatnonzero(h).max()) for h in hists.values() if h.any()), default=0)
    edges = np.arange(0, MAX_HIST_WORDS + 2 * width + 1, width)
    for (task, kind, _), hist in sorted(hists.items()):
        if hist.sum():
            binned = np.add.reduceat(hist, edges[:-1][edges[:-1] < hist.size])
            # a closing zero gives the last bin its right edge (a post step draws bin i
            # from edge i to edge i+1)
            ax.step(edges[:binned.size + 1], np.append(binned, 0) / hist.sum(), where="post",
                    label=f"{_title(task)} ({kind})")
    # the axis ends after the longest response, the clip bin (responses of MAX_HIST_WORDS
    # words or more) included
    ax.set_xlim(0, (last // width + 2) * width)
    ax.set_xlabel(f"words ({width}-word bins; the bin at {MAX_HIST_WORDS} holds all longer)")
    ax.set_ylabel("share of responses")
    ax.set_title("Response length")
    if hists:
        ax.legend(fontsize=7)
    return _save(fig, folder / "response_words.png")


# -- markdown ----------------------------------------------------------------------------------

def _fmt(n: int) -> str:
    return f"{n:,}"


def _ordered_tasks(counts: dict) -> list[str]:
    seen = {t for tasks in counts.values() for t in tasks}
    return [t for t in TASKS.names() if t in seen] + sorted(seen - set(TASKS.names()))


def counts_table(counts: dict, splits: list[str]) -> str:
    """Rows task × setting, columns split; ``single / multi`` where distortion counts matter."""
    lines = ["| task | setting | " + " | ".join(splits) + " | total |",
             "| --- | --- | " + " | ".join("---:" for _ in splits) + " | ---: |"]
    for task in _ordered_tasks(counts):
        has_md = any(cell.get("multi") for s in splits
                     for cell in counts.get(s, {}).get(task, {}).values())
        split_md = getattr(TASKS.find(task), "counts_multi", False) or has_md
        settings = sorted({st for s in splits for st in counts.get(s, {}).get(task, {})})
        for setting in settings:
            cells, single_sum, multi_sum = [], 0, 0
            for s in splits:
                cell = counts.get(s, {}).get(task, {}).get(setting,
                                                          {"single": 0, "multi": 0, "total": 0})
                single_sum += cell["single"]
                multi_sum += cell["multi"]
                cells.append(f"{_fmt(cell['single'])} / {_fmt(cell['multi'])}" if split_md
                             else _fmt(cell["total"]))
            total = (f"{_fmt(single_sum)} / {_fmt(multi_sum)}" if split_md
                     else _fmt(single_sum + multi_sum))
            lines.append(f"| {_title(task)} | {SETTING_TITLES.get(setting, setting)}"
                         f" | " + " | ".join(cells) + f" | {total} |")
    split_totals = [sum(c["total"] for t in counts.get(s, {}).values() for c in t.values())
                    for s in splits]
    lines.append("| **all** | | " + " | ".join(f"**{_fmt(n)}**" for n in split_totals)
                 + f" | **{_fmt(sum(split_totals))}** |")
    return "\n".join(lines)


def response_table(rows: list[dict]) -> str:
    lines = ["| task | response | single distortion | multi distortion | all |",
             "| --- | --- | ---: | ---: | ---: |"]
    by_key = {(r["task"], r["response_kind"], r["distortion"]): r for r in rows}
    pairs = sorted({(r["task"], r["response_kind"]) for r in rows},
                   key=lambda p: (TASKS.index(p[0]), p))
    for task, kind in pairs:
        cells = []
        for d in ("single", "multi", "all"):
            r = by_key.get((task, kind, d))
            cells.append(f"{r['mean']:.1f} (n={_fmt(r['rows'])})" if r else "–")
        lines.append(f"| {_title(task)} | {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def distortion_table(distortions: dict, scale: str) -> str:
    """Label counts per category and level on one grade scale (columns named by grade)."""
    per_level = distortions["per_scale_category_level"].get(scale, {})
    words = distortions["grade_scales"][scale]
    lines = ["| category | " + " | ".join(f"{lv} {w}" for lv, w in enumerate(words, start=1))
             + " | total |",
             "| --- | " + " | ".join("---:" for _ in words) + " | ---: |"]
    for cat in sorted(per_level):
        levels = [per_level[cat].get(str(lv), 0) for lv in range(1, len(words) + 1)]
        lines.append(f"| {cat} | " + " | ".join(_fmt(n) for n in levels)
                     + f" | {_fmt(sum(levels))} |")
    return "\n".join(lines)


def distortion_section(distortions: dict) -> list[str]:
    """The two grade scales, explained and counted apart."""
    scales = distortions["grade_scales"]
    single, pair = (", ".join(f"{lv} {w}" for lv, w in enumerate(scales[s], start=1))
                    for s in ("single", "pair"))
    lines = [
        "Two grade scales, as in DQ-495K. An image with one distortion is graded on five "
        f"levels ({single}); each distortion of an image with two is graded on three "
        f"({pair}). A level-3 label therefore reads \"obvious\" on an image with one "
        "distortion and \"serious\" on an image with two, although the distortion's parameters "
        "are the same. The grade word is stored with every label and is what responses state; "
        "the tables count the two scales apart.", ""]
    for scale in ("single", "pair"):
        lines += [f"**{_SCALE_TITLES[scale]}**", "", distortion_table(distortions, scale), ""]
    return lines


def image_table(image_stats: dict) -> str:
    cols = ["mean", "std", "min"] + [f"p{p}" for p in PERCENTILES] + ["max"]
    lines = ["| statistic | n | " + " | ".join(cols) + " |",
             "| --- | ---: | " + " | ".join("---:" for _ in cols) + " |"]
    for name, s in image_stats.items():
        if not s.get("n"):
            continue
        lines.append(f"| {STAT_TITLES.get(name, name)} | {s['n']} | "
                     + " | ".join(f"{s[c]:.3g}" for c in cols) + " |")
    return "\n".join(lines)


def front_matter(splits: list[str], pretty_name: str, rows: int, license: str = "unknown") -> str:
    size = ("n<1K" if rows < 1_000 else "1K<n<10K" if rows < 10_000 else
            "10K<n<100K" if rows < 100_000 else "100K<n<1M" if rows < 1_000_000 else "1M<n<10M")
    meta = {
        "pretty_name": pretty_name,
        "license": license,
        "language": ["en"],
        "task_categories": ["visual-question-answering", "image-to-text"],
        "tags": ["image-quality-assessment", "instruction-tuning", "synthetic"],
        "size_categories": [size],
        "configs": [{"config_name": "default", "default": True,
                     "data_files": [{"split": s, "path": f"{DATA_DIR}/{s}/*.parquet"}
                                    for s in splits]}],
    }
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n"


def two_stage_lines(two_stage: dict) -> list[str]:
    """What the counts hold of two-stage records (they count under their sample's task)."""
    if not two_stage:
        return []
    parts = ", ".join(f"{_title(kind)}: {_fmt(n)}" for kind, n in two_stage.items())
    return ["Two-stage records, counted above under their task: " + parts + ". Each "
            "perception record (images, visible attributes, no verdict) and its text-only "
            "inference record (the verdict from that description) share a `chain_id`.", ""]


def consistency_lines(consistency: dict, instability: Optional[dict] = None) -> list[str]:
    """The card's "Consistency" section: detailed records whose conclusion contradicts them, and
    the LLM's instability when each sample was asked several times."""
    lines = ["## Consistency", "",
             "Detailed reasoning records whose conclusion contradicts their own description "
             "(a clean or sharp description ending in a poor verdict, a severe distortion "
             "ending in a good one, or a winner the description calls worse); "
             "`iqa-datagen stats --consistency` lists examples.", ""]
    if instability:
        lines.append(f"- Instability at build: {_fmt(instability['unstable'])} of "
                     f"{_fmt(instability['checked'])} detailed samples asked "
                     f"{instability['samples_per_request']} times reached different conclusions "
                     f"({100 * instability['ratio']:.2f}%) and were dropped.")
    if not consistency["checked"]:
        return lines + ["- No detailed reasoning records.", ""]
    lines.append(f"- Contradicting: {_fmt(consistency['contradicting'])} of "
                 f"{_fmt(consistency['checked'])} ({100 * consistency['share']:.2f}%).")
    for task, row in consistency["by_task"].items():
        lines.append(f"- {_title(task)}: {_fmt(row['contradicting'])} of "
                     f"{_fmt(row['checked'])}.")
    return lines + [""]


def _build_summary(dataset_dir: Path) -> dict:
    try:
        return read_manifest(dataset_dir).get("build") or {}
    except ValueError:
        return {}


def _provenance_section(dataset_dir: Path, stats: dict) -> list[str]:
    lines = ["## Provenance", ""]
    try:
        manifest = read_manifest(dataset_dir)
    except ValueError:
        manifest = None
    if manifest:
        v = manifest["versions"]
        lines += [f"- iqa-datagen {v['package']}, record schema {v['schema']}, "
                  f"Python {v['python']}; built {manifest['created']}.",
                  f"- Build seed: {manifest['config'].get('seed', 'n/a')}."]
        usage = manifest.get("usage")
        if usage:
            lines.append(f"- Generator usage: `{json.dumps(usage, sort_keys=True)}`.")
    else:
        lines.append(f"- Record schema {SCHEMA_VERSION} (no manifest.json yet).")
    gens = ", ".join(f"{g} ({_fmt(n)})" for g, n in stats["generators"].items())
    lines.append(f"- Responses by generator: {gens or 'none'}.")
    lines += _verdict_lines(stats.get("verdict_sources", []))
    if stats["prompt_versions"]:
        lines.append(f"- Prompt versions: {', '.join(stats['prompt_versions'])}.")
    lines += [f"- Config, versions and the sha256 of every data file: [`{MANIFEST_NAME}`]"
              f"({MANIFEST_NAME}).", ""]
    return lines


def _quality_section(summary: dict, plot: str | None) -> list[str]:
    if not summary:
        return []
    lines = ["## Quality scores", "",
             "Quality-scoring records by where their score came from: `mos:<dataset>` (published "
             "scores, z-scored within their dataset), `raw_ratings` (individual ratings kept as a "
             "level distribution), `labeller` (zero-shot LLM scores; instability is the share "
             "of its repeated answers that differ from the most common one) and `library` "
             "(the distortion library).", "", quality_table(summary), ""]
    if "library" in summary:
        lines += [note for text in library_notes(summary["library"]) for note in (text, "")]
    if plot:
        lines += [f"![Quality scores]({STATS_DIR}/{plot})", ""]
    return lines


VERDICT_SOURCES = {
    "library_levels": "one distortion at two levels from the library; the lower level is better",
    "assistant": "the build's full-reference assistant model (its confidence is in the record)",
    "assistant_no_reference": "the build's no-reference assistant model "
                              "(`assistant/no_reference/`), kept only where it names the same "
                              "winner as the full-reference model; its own confidence is in the "
                              "record",
    "ssim": "SSIM against the reference (no assistant model was used)",
}


def _verdict_lines(rows: list[dict]) -> list[str]:
    """Where the 'which image is better' fact of each paired record came from."""
    if not rows:
        return []
    lines = ["- Verdicts (which image of a pair is better) by source:", "",
             "| task | setting | source | records |", "| --- | --- | --- | --- |"]
    lines += [f"| {r['task']} | {r['setting']} | `{r['source']}` | {_fmt(r['records'])} |"
              for r in rows]
    lines.append("")
    for src in sorted({r["source"] for r in rows}):
        what = (f"human judgements of the MOS dataset {src[4:]}" if src.startswith("mos:")
                else VERDICT_SOURCES.get(src, "see the build's assistant/ folder"))
        lines.append(f"  - `{src}`: {what}.")
    return lines + [""]


def render_card(dataset_dir: Path, stats: dict, plots: dict, title: str,
                license: str = "unknown") -> str:
    counts = stats["counts"]
    splits = ordered_splits(counts)
    total = stats["totals"]["rows"]
    refs = ", ".join(f"{s}: {_fmt(n)}" for s, n in stats["references"].items())
    img = stats["images"]
    body = [
        f"# {title}", "",
        "Instruction-tuning data for descriptive image quality assessment in the style of "
        "DQ-495K: every record pairs one to three images (reference in the full-reference "
        "setting, image A, and image B for paired tasks) with a question and a response. "
        "Built by iqa-datagen.", "",
        f"{_fmt(total)} records in {stats['files']} Parquet files "
        f"({stats['bytes'] / 2**20:.1f} MiB); reference images per split: {refs or 'none'}.", "",
        "```python",
        "from datasets import load_dataset",
        "",
        'ds = load_dataset("path/to/this/folder", split="train")  # images decode to PIL',
        "```", "",
        "## Records", "",
        "Columns: `id`, `task`, `setting` (full_reference / no_reference), `split`, "
        "`response_kind` (templated / detailed), `reference_id`, `reference_group` (references "
        "that always share a split), `sample_key`, `image_ref`, `image_a`, "
        "`image_b` (PNG images), `question`, `response`, `conversations` (LLaVA-style turns), "
        "`distortions_a`, `distortions_b` (category, name, level 1–5, grade), "
        "`multi_distortion`, `verdict` (paired tasks), `quality` (quality scoring: scale, score, "
        "level, score_std, distribution, score_source, protocol, instability), "
        "`source_record_id`, `provenance`, "
        "`context` (where the reference came from and how it was prepared and judged), "
        "`stage` and `chain_id` (two-stage records).", "",
        "## Counts", "",
        "Records per task and setting; `single / multi` distortion where it applies.", "",
        counts_table(counts, splits), "",
        "No-reference records are fewer than full-reference ones by design: a sample is also "
        "posed without its reference only when its distortions can be seen without one. The "
        "slight (level 1) distortions of " + ", ".join(sorted(NO_REFERENCE_DROP_SLIGHT))
        + " are not reliably visible alone, so samples with them exist in the full-reference "
        "setting only.", "",
        *two_stage_lines(stats.get("two_stage") or {}),
        "## Response length", "",
        "Mean words per response (whitespace tokens), by task and response kind.", "",
        response_table(stats["response_words"]), "",
        f"![Response length]({STATS_DIR}/{plots['response_words']})", "",
        "## Distortions", "",
        f"Label counts over {stats['distortions']['counted_over']}; records whose image A is "
        f"pristine: {_fmt(stats['distortions']['records_with_pristine_image_a'])}.", "",
        *distortion_section(stats["distortions"]),
        f"![Distortions]({STATS_DIR}/{plots['distortions']})", "",
        "## Image statistics", "",
        f"Measured on distorted images A: a seeded sample of {_fmt(img['rows_sampled'])} "
        f"records (cap {_fmt(img['cap'])}, seed {img['seed']}), {_fmt(img['distinct_images'])} "
        "distinct images after removing repeats.", "",
        image_table(img["stats"]), "",
    ]
    for name, file in plots["images"].items():
        body.append(f"![{STAT_TITLES.get(name, name)}]({STATS_DIR}/{file})")
    body.append("")
    instability = _build_summary(dataset_dir).get("instability")
    body += consistency_lines(stats["consistency"], instability)
    body += context_lines(stats["context"])
    body += _quality_section(stats.get("quality_scores") or {}, plots.get("quality"))
    body += _provenance_section(dataset_dir, stats)
    body += _citation_section(title, license)
    return front_matter(splits, title, total, license) + "\n" + "\n".join(body)


def _citation_section(title: str, license: str) -> list[str]:
    """How to cite the data: this dataset, and the work whose recipe it follows."""
    import datetime

    year = datetime.date.today().year
    key = "".join(c for c in title.lower() if c.isalnum())[:24] or "dataset"
    return [
        "## License", "",
        f"`{license}`. The records derive from the reference images the build was given: their "
        "licence governs the images here too.", "",
        "## Citation", "",
        "Cite this dataset, and the work whose construction it follows (DQ-495K):", "",
        "```bibtex",
        f"@misc{{{key}{year},",
        f"  title        = {{{{{title}}}}},",
        f"  year         = {{{year}}},",
        "  note         = {Built with iqa-datagen}",
        "}",
        "",
        "@article{you2024depictqawild,",
        "  title   = {Enhancing Descriptive Image Quality Assessment with A Large-scale "
        "Multi-modal Dataset},",
        "  author  = {You, Zhiyuan and Gu, Jinjin and Cai, Xin and Li, Zheyuan and Zhu, Kaiwen "
        "and Dong, Chao and Xue, Tianfan},",
        "  journal = {arXiv preprint arXiv:2405.18842},",
        "  year    = {2024}",
        "}",
        "```", "",
    ]


def write_card(dataset_dir: Path | str, *, title: str = "iqa-datagen descriptive IQA dataset",
               image_cap: int = DEFAULT_IMAGE_CAP, seed: int = 0,
               license: str = "unknown") -> Path:
    """Compute statistics (streaming), write plots and ``stats/stats.json``, then ``README.md``."""
    dataset_dir = Path(dataset_dir)
    stats, raw = collect_stats(dataset_dir, image_cap=image_cap, seed=seed)
    folder = dataset_dir / STATS_DIR
    plots = {
        "images": plot_image_histograms(raw["image_values"], folder),
        "distortions": plot_distortions(stats["distortions"], folder),
        "response_words": plot_response_lengths(raw["response_word_hists"], folder),
        "quality": plot_scores(raw.get("quality_hists") or {}, folder),
    }
    atomic_write_text(folder / "stats.json", json.dumps(stats, indent=1) + "\n", durable=False)
    return atomic_write_text(dataset_dir / CARD_NAME, render_card(dataset_dir, stats, plots, title,
                                                                 license))
