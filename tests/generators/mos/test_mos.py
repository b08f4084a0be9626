"""MOS adapters on tiny fixtures in each dataset's layout, pairs, BAPPS, and raw ratings → MOS."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures_mos import (make_bapps, make_csiq, make_generic_csv, make_kadid, make_livemd,
                          make_mdid2013, make_pipal, make_tid2013)
from iqa_datagen.generators.mos import (MosEntry, MosFormatError, MosPair, bt500_rejections,
                            load_bapps_pairs, load_mos, load_mos_pairs, make_pairs, mos_kinds,
                            raw_to_mos)

KADID_ROWS = [("I01_01_01.png", "I01.png", 4.6), ("I01_01_05.png", "I01.png", 1.9),
              ("I01_16_03.png", "I01.png", 3.2), ("I02_10_01.png", "I02.png", 4.1)]


# -- KADID-10k ------------------------------------------------------------------------------------

def test_kadid_reads_rows_direction_and_type(tmp_path):
    entries = load_mos("kadid10k", make_kadid(tmp_path, KADID_ROWS))
    assert [e.distorted.name for e in entries] == [r[0] for r in KADID_ROWS]
    assert [e.score for e in entries] == [r[2] for r in KADID_ROWS]
    assert all(e.higher_is_better and e.dataset == "kadid10k" for e in entries)
    assert entries[0].reference == tmp_path / "images" / "I01.png"
    assert [e.distortion for e in entries] == ["gaussian_blur", "gaussian_blur", "brighten",
                                               "jpeg"]


def test_kadid_split_image_folders(tmp_path):
    make_kadid(tmp_path, KADID_ROWS[:2])
    (tmp_path / "distorted_images").mkdir()
    (tmp_path / "reference_images").mkdir()
    for p in (tmp_path / "images").iterdir():
        target = "reference_images" if p.stem.count("_") == 0 else "distorted_images"
        p.rename(tmp_path / target / p.name)
    (tmp_path / "images").rmdir()
    entries = load_mos("kadid", tmp_path)
    assert entries[0].reference.parent.name == "reference_images"
    assert entries[0].distorted.parent.name == "distorted_images"


@pytest.mark.parametrize("bad, reason", [("abc", "not a number"), ("7.5", "outside"),
                                         ("nan", "not finite")])
def test_kadid_bad_score_names_file_and_line(tmp_path, bad, reason):
    rows = list(KADID_ROWS)
    make_kadid(tmp_path, rows)
    text = (tmp_path / "dmos.csv").read_text().replace("1.9", bad)
    (tmp_path / "dmos.csv").write_text(text)
    with pytest.raises(MosFormatError, match=reason) as err:
        load_mos("kadid10k", tmp_path)
    assert err.value.line == 3 and err.value.path.name == "dmos.csv"
    assert "dmos.csv:3" in str(err.value)


def test_kadid_missing_column_and_missing_image(tmp_path):
    make_kadid(tmp_path, KADID_ROWS)
    (tmp_path / "images" / "I01_16_03.png").unlink()
    with pytest.raises(FileNotFoundError, match=r"I01_16_03\.png.*dmos\.csv:4"):
        load_mos("kadid10k", tmp_path)
    assert len(load_mos("kadid10k", tmp_path, check_files=False)) == 4
    (tmp_path / "dmos.csv").write_text("dist_img,ref_img,score\nI01_01_01.png,I01.png,3\n")
    with pytest.raises(MosFormatError, match=r"dmos\.csv:1: header lacks column\(s\) \['dmos'\]"):
        load_mos("kadid10k", tmp_path)


# -- PIPAL ----------------------------------------------------------------------------------------

def test_pipal_reads_label_files(tmp_path):
    make_pipal(tmp_path, {"A0001": [("A0001_00_00.bmp", 1434.5), ("A0001_02_07.bmp", 1201.0)],
                          "A0002": [("A0002_01_03.bmp", 1500.25)]})
    entries = load_mos("pipal", tmp_path)
    assert len(entries) == 3
    by_name = {e.distorted.name: e for e in entries}
    assert by_name["A0001_02_07.bmp"].score == 1201.0
    assert by_name["A0001_02_07.bmp"].reference == tmp_path / "Train_Ref" / "A0001.bmp"
    assert by_name["A0002_01_03.bmp"].distortion == "type_01"
    assert all(e.higher_is_better for e in entries)


@pytest.mark.parametrize("line, reason", [("A0001_00_01.bmp 1300", "expected 'image,score'"),
                                          ("A0001_00_01.bmp,high", "not a number"),
                                          ("A0009_00_01.bmp,1300", "does not belong")])
def test_pipal_bad_line(tmp_path, line, reason):
    make_pipal(tmp_path, {"A0001": [("A0001_00_00.bmp", 1434.5)]})
    label = tmp_path / "Train_Label" / "A0001.txt"
    label.write_text(label.read_text() + "\n" + line + "\n")
    with pytest.raises(MosFormatError, match=reason) as err:
        load_mos("pipal", tmp_path, check_files=False)
    assert err.value.line == 3 and err.value.path == label


# -- TID2013 --------------------------------------------------------------------------------------

def test_tid2013_matches_names_ignoring_case(tmp_path):
    make_tid2013(tmp_path, [(5.51429, "i01_01_1.bmp"), (3.2, "i01_08_4.bmp"),
                            (4.0, "i02_10_2.bmp")])
    # the archive's own quirk: a distorted file stored upper-case while listed lower-case
    (tmp_path / "distorted_images" / "i02_10_2.bmp").rename(
        tmp_path / "distorted_images" / "I02_10_2.BMP")
    entries = load_mos("tid2013", tmp_path)
    assert [e.reference.name for e in entries] == ["I01.BMP", "I01.BMP", "I02.BMP"]
    assert entries[2].distorted.name == "I02_10_2.BMP"
    assert [e.distortion for e in entries] == ["additive_gaussian_noise", "gaussian_blur", "jpeg"]
    assert entries[0].score == pytest.approx(5.51429) and entries[0].higher_is_better


def test_tid2013_bad_lines(tmp_path):
    make_tid2013(tmp_path, [(5.5, "i01_01_1.bmp")])
    for text, reason in (("5.5 i01_01_1.bmp extra", "expected 'score image'"),
                         ("5.5 picture.bmp", "not like 'i01_01_1.bmp'")):
        (tmp_path / "mos_with_names.txt").write_text("5.5 i01_01_1.bmp\n" + text + "\n")
        with pytest.raises(MosFormatError, match=reason) as err:
            load_mos("tid2013", tmp_path)
        assert err.value.line == 2


# -- LIVE-MD --------------------------------------------------------------------------------------

def _livemd(tmp_path):
    return make_livemd(tmp_path, {
        "Part 1": (["babygirl.bmp", "babygirl_blurjpeg_1_1.bmp", "babygirl_blurjpeg_2_3.bmp",
                    "cactus_blurjpeg_0_2.bmp"], ["babygirl.bmp", "cactus.bmp"], [1, 1, 1, 2],
                   [0.0, 21.5, 48.0, 30.0]),
        "Part 2": (["babygirl_blurnoise_1_1.bmp"], ["babygirl.bmp"], [1], [17.0]),
    })


def test_livemd_reads_both_parts_and_skips_reference_copies(tmp_path):
    entries = load_mos("livemd", _livemd(tmp_path))
    assert [e.distorted.name for e in entries] == ["babygirl_blurjpeg_1_1.bmp",
                                                   "babygirl_blurjpeg_2_3.bmp",
                                                   "cactus_blurjpeg_0_2.bmp",
                                                   "babygirl_blurnoise_1_1.bmp"]
    assert entries[2].reference == tmp_path / "Part 1" / "blurjpeg" / "cactus.bmp"
    assert entries[3].reference == tmp_path / "Part 2" / "blurnoise" / "babygirl.bmp"
    assert [e.distortion for e in entries] == ["blur+jpeg"] * 3 + ["blur+noise"]
    assert not any(e.higher_is_better for e in entries)
    with_copies = load_mos("livemd", tmp_path, include_reference_copies=True)
    assert len(with_copies) == 5


def test_livemd_bad_index_and_missing_variable(tmp_path):
    from scipy.io import savemat

    make_livemd(tmp_path, {"Part 1": (["a_1.bmp"], ["a.bmp"], [3], [10.0])})
    with pytest.raises(MosFormatError, match=r"Imagelists\.mat \(entry 1\): ref4dist 3"):
        load_mos("livemd", tmp_path)
    savemat(tmp_path / "Part 1" / "Scores.mat", {"Zscores": np.zeros((1, 1))})
    with pytest.raises(MosFormatError, match="'DMOSscores' missing"):
        load_mos("livemd", tmp_path)
    with pytest.raises(FileNotFoundError, match="neither 'Part 1' nor 'Part 2'"):
        load_mos("livemd", tmp_path / "nowhere")


# -- CSIQ -----------------------------------------------------------------------------------------

def test_csiq_export_with_title_rows(tmp_path):
    make_csiq(tmp_path, [("1600", "noise", 1, 0.062), ("1600", "jpeg 2000", 3, 0.41),
                         ("aerial_city", "blur", 2, 0.2)])
    text = (tmp_path / "csiq.DMOS.csv").read_text().replace(",1600,", ",1600.0,", 1)
    (tmp_path / "csiq.DMOS.csv").write_text(text)
    entries = load_mos("csiq", tmp_path)
    assert [e.distorted.relative_to(tmp_path).as_posix() for e in entries] == [
        "dst_imgs/awgn/1600.AWGN.1.png", "dst_imgs/jpeg2000/1600.jpeg2000.3.png",
        "dst_imgs/blur/aerial_city.BLUR.2.png"]
    assert entries[0].reference == tmp_path / "src_imgs" / "1600.png"
    assert [e.distortion for e in entries] == ["awgn", "jpeg2000", "blur"]
    assert not any(e.higher_is_better for e in entries)


def test_csiq_unknown_type_and_xlsx_hint(tmp_path):
    make_csiq(tmp_path, [("1600", "noise", 1, 0.06)], title_rows=False)
    path = tmp_path / "csiq.DMOS.csv"
    path.write_text(path.read_text() + ",,,1600,9,sepia,1,0.1,0.3\n")
    with pytest.raises(MosFormatError, match=r"csiq\.DMOS\.csv:3: unknown dst_type 'sepia'"):
        load_mos("csiq", tmp_path)
    path.unlink()
    (tmp_path / "csiq.DMOS.xlsx").write_bytes(b"not really a workbook")
    with pytest.raises(FileNotFoundError, match="export its 'all_by_image' sheet"):
        load_mos("csiq", tmp_path)


# -- generic CSV and raw ratings ------------------------------------------------------------------

def test_generic_csv_flags(tmp_path):
    path = make_generic_csv(tmp_path, [("refs/a.png", "dist/a1.png", 3.5, "true"),
                                       ("refs/a.png", "dist/a2.png", 0.2, "")])
    with pytest.raises(MosFormatError, match=r"mos\.csv:3: no higher_is_better"):
        load_mos("csv", path)
    entries = load_mos("csv", path, higher_is_better=False, dataset="mine")
    assert [e.higher_is_better for e in entries] == [True, False]
    assert entries[0].distorted == tmp_path / "dist" / "a1.png"
    assert entries[0].dataset == "mine" and load_mos("csv", tmp_path, higher_is_better=True)
    path.write_text(path.read_text().replace("true", "perhaps"))
    with pytest.raises(MosFormatError, match="'perhaps' is not a boolean"):
        load_mos("csv", path)


def test_raw_ratings_csv_gives_mos(tmp_path):
    rows = []
    quality = {"d1.png": 1, "d2.png": 3, "d3.png": 5}
    for subject, offset in (("s1", 0.0), ("s2", 0.5), ("s3", -0.3)):
        for name, q in quality.items():
            rows.append(("ref.png", name, subject, q + offset))
    path = make_generic_csv(tmp_path, rows, header="reference,distorted,subject,rating",
                            name="ratings.csv")
    entries = load_mos("raw_csv", path, screen=False)
    assert [e.distorted.name for e in entries] == ["d1.png", "d2.png", "d3.png"]
    assert [round(e.score, 3) for e in entries] == [pytest.approx(33.333, abs=1e-3), 50.0,
                                                    pytest.approx(66.667, abs=1e-3)]
    path.write_text(path.read_text() + "ref.png,d1.png,s1,2\n")
    with pytest.raises(MosFormatError, match=r"ratings\.csv:11: subject 's1' rates"):
        load_mos("raw_csv", path)


def _gradient(seed: int, size: int = 48) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size]
    return np.stack([(xx * 5 + seed * 40) % 256, (yy * 5) % 256, ((xx + yy) * 3) % 256],
                    -1).astype(np.uint8)


@pytest.mark.parametrize("mat", [True, False])
def test_mdid2013_reads_references_images_and_dmos(tmp_path, mat):
    root, dmos = make_mdid2013(tmp_path / "MDID2013", [_gradient(1), _gradient(2)], mat=mat)
    for where in (root, tmp_path):  # the folder itself or its parent
        entries = load_mos("mdid", where)
        assert len(entries) == 54 and [e.score for e in entries] == pytest.approx(dmos)
        assert entries[0].reference.name == "org001.png" and entries[26].reference.name == "org001.png"
        assert entries[27].reference.name == "org002.png" and entries[53].distorted.name == "img054.png"
        assert all(not e.higher_is_better and e.dataset == "mdid2013" for e in entries)
    pairs = load_mos_pairs("mdid2013", root, seed=0, max_pairs_per_reference=5)
    assert len(pairs) == 10 and all(p.image_a.parent == root for p in pairs)


def test_mdid2013_errors_name_the_file(tmp_path):
    root, _ = make_mdid2013(tmp_path, [_gradient(1)], mat=False)
    (root / "img005.png").unlink()
    with pytest.raises(FileNotFoundError, match=r"img005\.png .*MDID_dmos\.txt \(entry 5\)"):
        load_mos("mdid2013", root)
    (root / "MDID_dmos.txt").write_text("1\n2\n")
    with pytest.raises(MosFormatError, match="2 DMOS values; expected a multiple of 27"):
        load_mos("mdid2013", root)
    (root / "MDID_dmos.txt").unlink()
    with pytest.raises(FileNotFoundError, match="no MDID_dmos.mat or MDID_dmos.txt"):
        load_mos("mdid2013", root)


def test_dispatcher(tmp_path):
    assert {"kadid10k", "pipal", "bapps", "tid2013", "livemd", "csiq", "csv"} <= set(mos_kinds())
    with pytest.raises(ValueError, match="unknown MOS kind 'koniq'"):
        load_mos("koniq", tmp_path)
    with pytest.raises(ValueError, match="use load_mos_pairs"):
        load_mos("bapps", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"kadid10k: label file not found: .*dmos\.csv"):
        load_mos("kadid10k", tmp_path)


# -- pairs ----------------------------------------------------------------------------------------

def _entries(scores, reference="ref/r.png", hib=True, dataset="ds"):
    return [MosEntry(dataset, Path(reference), Path(f"dist/{Path(reference).stem}_{i}.png"), s,
                     hib) for i, s in enumerate(scores)]


def _winner_path(p: MosPair) -> Path:
    return p.image_a if p.winner == "A" else p.image_b


def test_pairs_winner_by_score_and_direction():
    entries = _entries([3.0, 1.0, 2.0])
    pairs = make_pairs(entries, seed=1)
    assert len(pairs) == 3
    score = {e.distorted: e.score for e in entries}
    for p in pairs:
        loser = p.image_b if p.winner == "A" else p.image_a
        assert score[_winner_path(p)] > score[loser]
        assert p.margin == pytest.approx(abs(p.score_a - p.score_b))
        assert (p.score_a, p.score_b) == (score[p.image_a], score[p.image_b])
    dmos = _entries([3.0, 1.0, 2.0], hib=False)
    for p in make_pairs(dmos, seed=1):
        loser = p.image_b if p.winner == "A" else p.image_a
        assert score[_winner_path(p)] < score[loser]  # lower DMOS wins


def test_pairs_stay_within_reference_and_skip_ties():
    entries = _entries([1.0, 1.05, 2.0], "ref/x.png") + _entries([5.0, 5.0], "ref/y.png")
    pairs = make_pairs(entries, seed=0)
    assert {p.reference.name for p in pairs} == {"x.png"}  # y's pair is an exact tie
    assert len(pairs) == 3
    assert len(make_pairs(entries, seed=0, tie_margin=0.1)) == 2  # 1.0 vs 1.05 skipped
    assert all(p.image_a.stem[0] == p.reference.stem for p in pairs)


def test_pairs_reproducible_balanced_and_capped():
    entries = [e for r in range(6) for e in _entries(list(np.linspace(1, 5, 5) + r * 0.01),
                                                     f"ref/r{r}.png")]
    first, again = make_pairs(entries, seed=7), make_pairs(entries, seed=7)
    assert first == again and len(first) == 60
    assert sum(p.winner == "A" for p in first) == 30
    other = make_pairs(entries, seed=8)
    assert [p.winner for p in other] != [p.winner for p in first]
    capped = make_pairs(entries, seed=7, max_pairs_per_reference=4)
    assert len(capped) == 24
    assert all(sum(p.reference.stem == f"r{r}" for p in capped) == 4 for r in range(6))
    assert make_pairs(entries, seed=7, max_pairs_per_reference=4) == capped


def test_pairs_do_not_depend_on_dataset_location():
    moved = [MosEntry(e.dataset, Path("/mnt/other") / e.reference, Path("/mnt/other") / e.distorted,
                      e.score, e.higher_is_better) for e in _entries([1, 2, 3, 4, 5])]
    here = make_pairs(_entries([1, 2, 3, 4, 5]), seed=3, max_pairs_per_reference=6)
    there = make_pairs(moved, seed=3, max_pairs_per_reference=6)
    assert [(p.image_a.name, p.image_b.name, p.winner) for p in here] == \
           [(p.image_a.name, p.image_b.name, p.winner) for p in there]


def test_pairs_reject_inconsistent_input():
    mixed = _entries([1.0]) + [MosEntry("ds", Path("ref/r.png"), Path("dist/z.png"), 2.0, False)]
    with pytest.raises(ValueError, match="disagree on higher_is_better"):
        make_pairs(mixed, seed=0)
    twice = _entries([1.0, 2.0]) + _entries([3.0])
    with pytest.raises(ValueError, match=r"dist/r_0\.png is listed twice"):
        make_pairs(twice, seed=0)
    with pytest.raises(ValueError, match="tie_margin"):
        make_pairs(_entries([1.0, 2.0]), seed=0, tie_margin=-1)


@settings(max_examples=40, deadline=None)
@given(groups=st.lists(st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=6),
                       min_size=1, max_size=5),
       seed=st.integers(0, 2**31), margin=st.sampled_from([0.0, 0.5]))
def test_pairs_properties(groups, seed, margin):
    entries = [e for i, g in enumerate(groups) for e in _entries(g, f"ref/g{i}.png")]
    pairs = make_pairs(entries, seed=seed, tie_margin=margin)
    n_a = sum(p.winner == "A" for p in pairs)
    assert n_a in (len(pairs) // 2, (len(pairs) + 1) // 2)
    expected = sum(1 for g in groups for i in range(len(g)) for j in range(i + 1, len(g))
                   if abs(g[i] - g[j]) > margin)
    assert len(pairs) == expected
    for p in pairs:
        assert p.margin > margin
        assert (p.score_a > p.score_b) == (p.winner == "A")


# -- BAPPS ----------------------------------------------------------------------------------------

def test_bapps_pairs_from_judges(tmp_path):
    make_bapps(tmp_path, [0.2, 0.8, 0.5, 0.55, 0.0, 1.0, 0.3])
    pairs = load_mos_pairs("bapps", tmp_path, seed=5)
    assert len(pairs) == 6  # 0.5 is a tie
    sub = tmp_path / "traditional"
    for p in pairs:
        stem = p.reference.stem
        judge = float(np.load(sub / "judge" / f"{stem}.npy")[0])
        winner = _winner_path(p)
        assert winner.parent.name == ("p0" if judge < 0.5 else "p1")
        assert p.margin == pytest.approx(abs(2 * judge - 1), abs=1e-6)
    assert sum(p.winner == "A" for p in pairs) == 3
    assert len(load_bapps_pairs(tmp_path, seed=5, tie_margin=0.1)) == 5  # 0.55 skipped too
    assert load_bapps_pairs(sub, seed=5) == pairs  # a subset folder works as root
    assert len(load_bapps_pairs(tmp_path, seed=5, max_pairs=2)) == 2


def test_bapps_bad_judge_and_missing_patch(tmp_path):
    make_bapps(tmp_path, [0.2, 0.7])
    sub = tmp_path / "traditional"
    np.save(sub / "judge" / "000001.npy", np.array([1.4]))
    with pytest.raises(MosFormatError, match=r"000001\.npy: judge 1\.4 outside \[0, 1\]"):
        load_bapps_pairs(tmp_path, seed=0)
    np.save(sub / "judge" / "000001.npy", np.array([0.1, 0.2]))
    with pytest.raises(MosFormatError, match="expected one number"):
        load_bapps_pairs(tmp_path, seed=0)
    np.save(sub / "judge" / "000001.npy", np.array([0.7]))
    (sub / "p1" / "000001.png").unlink()
    with pytest.raises(FileNotFoundError, match=r"p1/000001\.png"):
        load_bapps_pairs(tmp_path, seed=0)


def test_load_mos_pairs_for_entry_datasets(tmp_path):
    pairs = load_mos_pairs("kadid10k", make_kadid(tmp_path, KADID_ROWS), seed=2)
    assert len(pairs) == 3 and all(p.reference.name == "I01.png" for p in pairs)
    assert sorted(tuple(sorted((p.distortion_a, p.distortion_b))) for p in pairs) == [
        ("brighten", "gaussian_blur"), ("brighten", "gaussian_blur"),
        ("gaussian_blur", "gaussian_blur")]


# -- raw ratings → MOS ----------------------------------------------------------------------------

def test_raw_to_mos_formula_on_hand_example():
    ratings = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
    result = raw_to_mos(ratings, screen=False)
    assert result.mos == pytest.approx([100 * 2 / 6, 50.0, 100 * 4 / 6])
    assert result.rejected == () and list(result.n_ratings) == [2, 2, 2]
    assert result.z[0] == pytest.approx([-1.0, 0.0, 1.0])


def test_raw_to_mos_missing_ratings_and_constant_subject():
    ratings = np.array([[1.0, 2.0, 3.0, np.nan], [3.0, 3.0, 3.0, 3.0],
                        [1.0, np.nan, 3.0, 5.0], [2.0, 3.0, np.nan, 4.0]])
    result = raw_to_mos(ratings, screen=False)
    assert result.rejected == (1,)  # no spread: cannot be z-scored
    assert list(result.n_ratings) == [3, 2, 2, 2]
    assert np.all(np.diff(result.mos) > 0)


def _synthetic_panel(seed: int, subjects: int = 16, images: int = 60):
    """Honest subjects (own offset + small noise), one erratic subject who strays about three
    noise widths from the truth in both directions (index 4), one consistently generous
    subject (index 9)."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(1, 5, images)
    ratings = truth + rng.normal(0, 0.3, subjects)[:, None] + rng.normal(0, 0.25,
                                                                         (subjects, images))
    rank = np.argsort(np.argsort(truth))
    ratings[4] = truth + np.where(rank % 2 == 0, 0.8, -0.8)
    ratings[9] = truth + 1.0 + rng.normal(0, 0.25, images)
    return truth, ratings


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_raw_to_mos_rejects_erratic_subject_only(seed):
    from scipy.stats import spearmanr

    truth, ratings = _synthetic_panel(seed)
    result = raw_to_mos(ratings)
    assert result.rejected == (4,)  # the generous subject is kept: z-scores remove the offset
    assert spearmanr(result.mos, truth).statistic > 0.99
    assert np.all((result.mos > 0) & (result.mos < 100))
    unscreened = raw_to_mos(ratings, screen=False)
    assert unscreened.rejected == ()
    minmax = raw_to_mos(ratings, rescale="minmax")
    assert np.corrcoef(minmax.mos, result.mos)[0, 1] == pytest.approx(1.0)
    assert minmax.mos.min() >= 0 and minmax.mos.max() <= 100


def test_bt500_counts_on_hand_made_scores():
    rng = np.random.default_rng(0)
    base = rng.normal(0, 1, (12, 40))
    scores = base.copy()
    scores[0] = np.where(np.arange(40) % 2 == 0, 3.0, -3.0) + scores[1:].mean(axis=0)
    assert 0 in bt500_rejections(scores)
    one_sided = base.copy()
    one_sided[0] = 3.0 + one_sided[1:].mean(axis=0)  # far but always above: a bias, kept
    assert 0 not in bt500_rejections(one_sided)


def test_raw_to_mos_bad_input():
    with pytest.raises(ValueError, match="subjects × images"):
        raw_to_mos([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="at least two subjects"):
        raw_to_mos([[1.0, 2.0]])
    with pytest.raises(ValueError, match="every subject was rejected"):
        raw_to_mos([[3.0, 3.0], [2.0, 2.0]])
    with pytest.raises(ValueError, match="rescale"):
        raw_to_mos([[1.0, 2.0], [2.0, 1.0]], rescale="log")


# -- Scores outside each dataset's documented scale -----------------------------------------------

def _scale_case(kind: str, root: Path, score: float) -> Path:
    if kind == "tid2013":
        return make_tid2013(root, [(5.1, "i01_01_1.bmp"), (score, "i01_01_2.bmp")])
    if kind == "pipal":
        return make_pipal(root, {"A0001": [("A0001_00_00.bmp", 1434.5),
                                           ("A0001_02_07.bmp", score)]})
    if kind == "csiq":
        return make_csiq(root, [("1600", "noise", 1, 0.1), ("1600", "noise", 2, score)])
    if kind == "kadid10k":
        return make_kadid(root, [("I01_01_01.png", "I01.png", 4.0),
                                 ("I01_01_02.png", "I01.png", score)])
    if kind == "livemd":
        return make_livemd(root, {"Part 1": (["a.bmp", "b.bmp"], ["r.bmp"], [1, 1],
                                             [20.0, score])})
    return make_generic_csv(root, [("r.png", "a.png", 3, "true"), ("r.png", "b.png", score,
                                                                     "true")])


@pytest.mark.parametrize("kind, good, bad", [
    ("tid2013", 8.9, 12.5), ("pipal", 1850.0, -99999), ("csiq", 0.95, 5.0),
    ("kadid10k", 1.0, 5.5), ("livemd", 99.0, 250.0), ("csv", -99999, 1e300)])
def test_scores_outside_the_documented_scale_are_refused(tmp_path, kind, good, bad):
    assert len(load_mos(kind, _scale_case(kind, tmp_path / "good", good))) == 2
    with pytest.raises(MosFormatError, match="outside the .*scale") as err:
        load_mos(kind, _scale_case(kind, tmp_path / "bad", bad))
    assert err.value.line is not None or err.value.entry is not None


@pytest.mark.parametrize("kind", ["tid2013", "pipal", "csiq", "kadid10k", "csv"])
@pytest.mark.parametrize("text", ["nan", "inf", "-inf"])
def test_non_finite_scores_are_refused_by_every_adapter(tmp_path, kind, text):
    root = _scale_case(kind, tmp_path / "d", 1.5)
    files = [root] if root.is_file() else list(root.rglob("*"))
    for label in [p for p in files if p.suffix in (".txt", ".csv")]:
        label.write_text(label.read_text().replace("1.5", text))
    with pytest.raises(MosFormatError, match="not finite"):
        load_mos(kind, root)
