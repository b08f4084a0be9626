"""The 35 built-in distortions: output contract, determinism, severity growth, and the maths of
the pieces where a fast implementation replaces a slow obvious one (docs/distortions.md)."""

from __future__ import annotations


import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from iqa_datagen import distortions
from iqa_datagen.distortions.functional import blur, brightness, contrast, quantize, saturation, sharpen
from iqa_datagen.distortions.functional._util import local_swap_permutation

SPECS = distortions.catalogue()
BUILTIN = [s for s in SPECS if s.source == "builtin"]
NAMES = [s.name for s in BUILTIN]
LEVELS = range(1, 6)
LUMA = np.array([0.299, 0.587, 0.114])


def _rgb(name: str) -> np.ndarray:
    return np.ascontiguousarray(getattr(data, name)()[..., :3])


def _short_side(image: np.ndarray, side: int) -> np.ndarray:
    h, w = image.shape[:2]
    f = side / min(h, w)
    size = (max(side, round(w * f)), max(side, round(h * f)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="module")
def small_images() -> dict[str, np.ndarray]:
    """Odd, tiny and non-square natural images."""
    return {
        "57x83": np.ascontiguousarray(_rgb("astronaut")[100:157, 150:233]),
        "32x32": cv2.resize(_rgb("coffee"), (32, 32), interpolation=cv2.INTER_AREA),
        "224x301": cv2.resize(_rgb("chelsea"), (301, 224), interpolation=cv2.INTER_AREA),
    }


@pytest.fixture(scope="module")
def severity_images() -> dict[str, np.ndarray]:
    """Natural images at short side 224, as the sampler feeds them."""
    return {n: _short_side(_rgb(n), 224) for n in ("astronaut", "coffee", "chelsea")}


def test_catalogue_has_the_35_spec_distortions():
    assert len(BUILTIN) == 35
    assert len(set(NAMES)) == 35


# --------------------------------------------------------------------------- output contract

@pytest.mark.parametrize("name", NAMES)
def test_every_level_returns_new_uint8_of_same_shape_that_differs(name, small_images):
    for size, image in small_images.items():
        before = image.copy()
        for level in LEVELS:
            out = distortions.apply(image, name, level, 7)
            assert out.dtype == np.uint8, (name, size, level)
            assert out.shape == image.shape, (name, size, level)
            assert not np.shares_memory(out, image), (name, size, level)
            assert np.any(out != image), f"{name} level {level} left the {size} image unchanged"
        np.testing.assert_array_equal(image, before, err_msg=f"{name} modified its input")


@pytest.mark.parametrize("name", NAMES)
def test_accepts_non_contiguous_input(name, small_images):
    image = small_images["57x83"]
    view = image[:, ::-1]  # apply() makes it contiguous; result equals the contiguous copy's
    expected = distortions.apply(np.ascontiguousarray(view), name, 3, 11)
    np.testing.assert_array_equal(distortions.apply(view, name, 3, 11), expected)


# --------------------------------------------------------------------------- determinism

@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_bytes_and_random_flag_is_right(name, small_images):
    image = small_images["57x83"]
    spec = distortions.get(name)
    seed_dependent = False
    for level in LEVELS:
        a = distortions.apply(image, name, level, 123)
        b = distortions.apply(image, name, level, np.random.default_rng(123))
        assert a.tobytes() == b.tobytes(), f"{name} level {level} is not deterministic"
        c = distortions.apply(image, name, level, 124)
        seed_dependent |= a.tobytes() != c.tobytes()
    assert spec.random == seed_dependent, (
        f"{name}: spec.random is {spec.random} but the output "
        f"{'depends' if seed_dependent else 'does not depend'} on the seed")


def test_random_distortions_differ_at_every_level(small_images):
    image = small_images["224x301"]
    for spec in BUILTIN:
        if spec.random:
            for level in LEVELS:
                a = distortions.apply(image, spec.name, level, 1)
                b = distortions.apply(image, spec.name, level, 2)
                assert np.any(a != b), (spec.name, level)


# --------------------------------------------------------------------------- severity

def _luminance(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float64) @ LUMA


def _laplacian_energy(x: np.ndarray) -> float:
    return float(cv2.Laplacian(_luminance(x), cv2.CV_64F).var())


def _mse(ref: np.ndarray, out: np.ndarray) -> float:
    return float(np.mean((out.astype(np.float64) - ref) ** 2))


def _chroma(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    return x.max(axis=2) - x.min(axis=2)


def _information_loss(ref: np.ndarray, out: np.ndarray) -> float:
    """E[Var(ref | out)] per channel, summed: the error of the best reconstruction of the
    reference from the quantised values (independent of which output level a class is given)."""
    loss = 0.0
    for c in range(3):
        r = ref[..., c].ravel().astype(np.float64)
        k = out[..., c].ravel()
        n = np.bincount(k, minlength=256)
        s = np.bincount(k, r, minlength=256)
        s2 = np.bincount(k, r * r, minlength=256)
        used = n > 0
        loss += float((s2[used] - s[used] ** 2 / n[used]).sum() / r.size)
    return loss


def severity(spec, ref: np.ndarray, out: np.ndarray) -> float:
    """A measure suited to the category (docs/distortions.md) that must rise with the level."""
    cat = spec.category
    if spec.name == "blur_jitter":
        # jitter scrambles pixels: it destroys structure but adds pixel-scale high frequencies,
        # so its severity is the displacement error, not the loss of Laplacian energy
        return _mse(ref, out)
    if cat == "blur":
        return -_laplacian_energy(out)
    if cat == "noise":
        return _mse(ref, out)
    if cat in ("brighten", "darken"):
        return abs(_luminance(out).mean() - _luminance(ref).mean())
    if cat.startswith("contrast"):
        return abs(_luminance(out).std() - _luminance(ref).std())
    if cat.startswith("saturate"):
        return float(np.abs(_chroma(out) - _chroma(ref)).mean())
    if cat == "quantize":
        # histeq and otsu give each class a level unrelated to its content (the equalised CDF,
        # a uniform ladder), so raw MSE is not monotone; the information lost is.
        return _information_loss(ref, out)
    return _mse(ref, out)  # compression, pixelate, oversharpen


@pytest.mark.parametrize("name", NAMES)
def test_severity_grows_strictly_with_level(name, severity_images):
    spec = distortions.get(name)
    for image_name, ref in severity_images.items():
        values = [severity(spec, ref, distortions.apply(ref, name, lv, 5)) for lv in LEVELS]
        assert all(b > a for a, b in zip(values, values[1:])), (
            f"{name} on {image_name}: severity not increasing {np.round(values, 3)}")
        assert values[0] > 0 or spec.category == "blur", (name, image_name, values)


def test_blur_severity_measure_starts_below_the_reference(severity_images):
    ref = severity_images["coffee"]
    for spec in BUILTIN:
        if spec.category == "blur" and spec.name != "blur_jitter":
            out = distortions.apply(ref, spec.name, 1, 0)
            assert _laplacian_energy(out) < _laplacian_energy(ref), spec.name


def test_brighten_brightens_and_darken_darkens(severity_images):
    ref = severity_images["astronaut"]
    for spec in BUILTIN:
        if spec.category in ("brighten", "darken"):
            shift = _luminance(distortions.apply(ref, spec.name, 1, 0)).mean() - _luminance(ref).mean()
            assert (shift > 0) == (spec.category == "brighten"), (spec.name, shift)


def test_contrast_and_saturation_go_the_named_way(severity_images):
    ref = severity_images["coffee"]
    for spec in BUILTIN:
        out = distortions.apply(ref, spec.name, 3, 0)
        if spec.category.startswith("contrast"):
            change = _luminance(out).std() - _luminance(ref).std()
        elif spec.category.startswith("saturate"):
            change = _chroma(out).mean() - _chroma(ref).mean()
        else:
            continue
        assert (change > 0) == spec.category.endswith("strengthen"), (spec.name, change)


# --------------------------------------------------------------------------- maths of the parts

def test_motion_kernel_is_a_normalised_line_along_the_angle():
    k = blur.motion_kernel(5, 3, 0.0)
    assert k.sum() == pytest.approx(1.0, abs=1e-6)
    centre = k.shape[0] // 2
    row = k[centre]
    assert np.count_nonzero(k) == 11 and np.count_nonzero(row) == 11  # horizontal, 11 taps
    taps = row[centre:centre + 11]  # copy i is shifted left by i: tap i reads i pixels right
    np.testing.assert_allclose(taps / taps[0], np.exp(-np.arange(11) ** 2 / 18.0), rtol=1e-5)
    vertical = blur.motion_kernel(5, 3, 90.0)
    assert np.count_nonzero(vertical[:, centre]) == 11


def test_motion_blur_smears_only_along_its_direction():
    image = np.zeros((61, 61, 3), np.uint8)
    image[30, 30] = 255
    rng = np.random.default_rng(0)
    angle = rng.uniform(-90, 90)
    out = blur.motion(image, np.random.default_rng(0), radius=10, sigma=5)
    ys, xs = np.nonzero(out[..., 0])
    # the smear lies on a line through the dot at the drawn angle
    direction = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
    offsets = np.stack([xs - 30, ys - 30], axis=1)
    across = np.abs(offsets @ np.array([-direction[1], direction[0]]))
    assert len(xs) >= 10 and across.max() <= 1.0


def test_disk_kernel():
    k = blur.disk_kernel(2)
    assert k.shape == (5, 5) and k.sum() == pytest.approx(1.0)
    assert np.count_nonzero(k) == 13 and k[0, 0] == 0


def test_zoom_level_one_is_the_average_of_image_image_and_zoom_102():
    image = _rgb("coffee")[:64, :96].copy()
    out = blur.zoom(image, None, max_factor=1.02)
    assert blur.zoom_factors(1.20) == pytest.approx([1 + 0.02 * k for k in range(11)])
    zoomed = blur._centre_zoom(image, 1.02).astype(np.float64)
    expected = (2 * image.astype(np.float64) + zoomed) / 3
    assert np.abs(out - expected).max() <= 0.51


def _sequential_swaps(h, w, shift, iterations, rng):
    """The documented scan written literally: slow, for small images only."""
    perm = np.arange(h * w)
    grid = perm.reshape(h, w)
    for _ in range(iterations):
        for y in range(h - shift, shift, -1):
            for x in range(w - shift, shift, -1):
                dy, dx = rng.integers(-shift, shift, size=2)
                grid[y, x], grid[y + dy, x + dx] = grid[y + dy, x + dx], grid[y, x]
    return perm


def _displacement(perm, h, w):
    src_y, src_x = np.divmod(perm, w)
    y, x = np.divmod(np.arange(h * w), w)
    return np.hypot(src_y - y, src_x - x).reshape(h, w)


@pytest.mark.parametrize("shift,iterations", [(1, 1), (3, 2), (5, 1)])
def test_vectorised_swaps_match_the_sequential_scan_statistically(shift, iterations):
    h, w = 48, 64
    perm = local_swap_permutation(h, w, shift, iterations, np.random.default_rng(3))
    assert np.array_equal(np.sort(perm), np.arange(h * w))  # a permutation: nothing lost
    moved = perm != np.arange(h * w)
    assert not moved.reshape(h, w)[0].any() and not moved.reshape(h, w)[:, 0].any()
    exact = _sequential_swaps(h, w, shift, iterations, np.random.default_rng(3))
    assert moved.mean() == pytest.approx(np.mean(exact != np.arange(h * w)), abs=0.03)
    core = (slice(12, -12), slice(12, -12))
    ours, theirs = _displacement(perm, h, w)[core], _displacement(exact, h, w)[core]
    assert ours.mean() == pytest.approx(theirs.mean(), rel=0.12)
    assert abs(np.mean(np.divmod(perm, w)[0] - np.arange(h * w) // w)) < 0.2  # no drift


def test_jitter_keeps_the_pixel_multiset():
    image = _rgb("chelsea")[:50, :70].copy()
    out = blur.jitter(image, np.random.default_rng(0), shift=3)
    key = lambda a: np.sort(a.reshape(-1, 3).view(np.dtype((np.void, 3))).ravel())
    assert np.array_equal(key(out), key(image)) and np.any(out != image)


def _hsv_round_trip(image: np.ndarray, change, clip_value: bool = True) -> np.ndarray:
    hsv = cv2.cvtColor(image.astype(np.float32) / 255, cv2.COLOR_RGB2HSV)
    change(hsv)
    hsv[..., 1] = np.clip(hsv[..., 1], 0, 1)
    if clip_value:
        hsv[..., 2] = np.clip(hsv[..., 2], 0, 1)
    rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("amount", [0.3, -0.4])
def test_shift_hsv_equals_float_hsv_maths(amount, small_images):
    image = small_images["57x83"]

    def change(hsv):
        hsv[..., 2] += amount

    expected = _hsv_round_trip(image, change, clip_value=False)  # V is not clipped first
    out = brightness.shift_hsv(image, None, amount=amount)
    assert np.abs(out.astype(int) - expected).max() <= 1


def test_shift_hsv_level_five_brightens_past_a_clipped_value():
    """Unclipped V keeps hue and saturation of bright pixels and brightens more than clipping."""
    image = _rgb("coffee")
    out = distortions.apply(image, "brighten_shift_hsv", 5, 0)
    clipped = _hsv_round_trip(image, lambda hsv: hsv.__setitem__((..., 2), hsv[..., 2] + 0.5))
    assert out.mean() > clipped.mean() + 3


@pytest.mark.parametrize("gamma", [0.36, 2.7])
def test_gamma_hsv_equals_float_hsv_maths(gamma, small_images):
    image = small_images["57x83"]

    def change(hsv):
        hsv[..., 2] **= gamma

    expected = _hsv_round_trip(image, change)
    assert np.abs(brightness.gamma_hsv(image, None, gamma=gamma).astype(int) - expected).max() <= 1


@pytest.mark.parametrize("factor", [0.4, 3.0, 64.0])
def test_saturation_hsv_equals_float_hsv_maths(factor, small_images):
    image = small_images["57x83"]

    def change(hsv):
        hsv[..., 1] *= factor

    expected = _hsv_round_trip(image, change)
    assert np.abs(saturation.hsv(image, None, factor=factor).astype(int) - expected).max() <= 1


def test_zero_saturation_gives_grey(small_images):
    image = small_images["57x83"]
    for out in (saturation.hsv(image, None, factor=0.0), saturation.ycbcr(image, None, factor=0.0)):
        assert np.abs(out.astype(int) - out[..., :1]).max() <= 1


def test_gamma_and_shift_rgb_are_pointwise_formulas():
    ramp = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)
    v = np.arange(256) / 255
    out = brightness.gamma_rgb(ramp, None, gamma=2.1)[0, :, 0]
    np.testing.assert_array_equal(out, np.rint(v ** 2.1 * 255))
    out = brightness.shift_rgb(ramp, None, amount=-0.2)[0, :, 0]
    np.testing.assert_array_equal(out, np.clip(np.rint((v - 0.2) * 255), 0, 255))


def test_contrast_scale_blends_with_rounded_mean_luminance(small_images):
    image = small_images["57x83"]
    mean_grey = np.rint(_luminance(image).mean())
    out = contrast.scale(image, None, alpha=2.6)
    expected = np.clip(np.rint(mean_grey * (1 - 2.6) + image * 2.6), 0, 255)
    assert np.abs(out - expected).max() <= 1


def test_contrast_stretch_maps_each_channel_mean_to_half():
    image = np.full((8, 8, 3), (40, 120, 200), np.uint8)
    image[0, 0] = (0, 0, 0)
    out = contrast.stretch(image, None, alpha=6)
    means = image.reshape(-1, 3).mean(axis=0) / 255
    expected = 255 / (1 + (means / (image[1, 1] / 255 + contrast.STRETCH_EPS)) ** 6)
    assert np.abs(out[1, 1] - expected).max() <= 0.51
    assert out[0, 0].max() == 0  # black stays black
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    out = contrast.stretch(red, None, alpha=0.4)
    assert out[..., 1:].max() == 0 and out[..., 0].std() > 0  # an all-black channel stays black


def test_oversharpen_is_the_saturated_8bit_unsharp_mask(small_images):
    image = small_images["57x83"]
    blurred = cv2.GaussianBlur(image, (5, 5), 0).astype(np.float64)
    expected = np.clip(np.rint(image * 5.0 - 4.0 * blurred), 0, 255)
    out = sharpen.oversharpen(image, None, amount=4)
    assert np.abs(out - expected).max() <= 1


def test_histeq_follows_the_spec_lookup():
    rng = np.random.default_rng(0)
    image = rng.integers(30, 220, size=(20, 30, 3), dtype=np.uint8)
    bins = 6
    out = quantize.histeq(image, None, bins=bins)
    counts, _ = np.histogram(image, bins=bins, range=(0, 255))
    cdf = np.cumsum(counts).astype(float)
    low = cdf[cdf > 0].min()
    table = np.where(cdf > 0, (cdf - low) / (cdf[-1] - low) * 255, 0)
    expected = np.rint(table[np.rint(image / 255 * (bins - 1)).astype(int)])
    np.testing.assert_array_equal(out, expected)
    assert len(np.unique(out)) <= bins


@pytest.mark.parametrize("classes", [2, 3, 4, 5])
def test_otsu_partition_equals_skimage_on_random_histograms(classes):
    from skimage.filters import threshold_multiotsu

    rng = np.random.default_rng(classes)
    for trial in range(20):
        nbins = int(rng.integers(classes + 1, 31))
        hist = rng.integers(0, 50, size=nbins)
        hist[rng.random(nbins) < 0.2] = 0  # empty bins inside the range
        hist[[0, -1]] += 1  # an image's histogram spans [min, max]: both end bins are occupied
        if np.count_nonzero(hist) <= classes:
            continue
        centres = np.sort(rng.uniform(0, 255, size=nbins))
        labels = quantize.otsu_classes(hist.astype(float), classes)
        assert np.all(np.diff(labels) >= 0) and labels[0] == 0 and labels[-1] == classes - 1
        ours = centres[np.flatnonzero(np.diff(labels))]  # last bin of each lower class
        theirs = threshold_multiotsu(classes=classes, hist=(hist, centres))
        np.testing.assert_array_equal(ours, theirs, err_msg=f"trial {trial}: {hist}")


@pytest.mark.parametrize("classes", [3, 5, 8])
def test_otsu_image_equals_skimage_thresholds_and_digitize(classes, severity_images):
    """The whole image as the published data was made: skimage thresholds per channel on 30
    bins, class = digitize, level = v_min + class·(v_max − v_min)/classes."""
    from skimage.filters import threshold_multiotsu

    for name in ("coffee", "astronaut"):
        image = severity_images[name]
        out = quantize.otsu(image, None, classes=classes)
        for c in range(3):
            channel = image[..., c].astype(np.float32)
            thresholds = threshold_multiotsu(channel, classes=classes, nbins=30)
            lo, hi = channel.min(), channel.max()
            expected = np.rint(np.digitize(channel, thresholds) * (hi - lo) / classes + lo)
            np.testing.assert_array_equal(out[..., c], expected.astype(np.uint8), err_msg=name)


def test_otsu_output_levels_are_the_uniform_ladder(severity_images):
    image = severity_images["astronaut"]
    out = quantize.otsu(image, None, classes=5)
    for c in range(3):
        lo, hi = int(image[..., c].min()), int(image[..., c].max())
        ladder = np.rint(lo + np.arange(5) * (hi - lo) / 5)
        assert set(np.unique(out[..., c])) <= set(ladder)


def test_median_cut_limits_the_values_per_channel(severity_images):
    out = quantize.median(severity_images["chelsea"], None, colours=6)
    assert all(len(np.unique(out[..., c])) <= 6 for c in range(3))


def test_jpeg2000_reaches_about_its_target_psnr(severity_images):
    ref = severity_images["coffee"]
    for level in (1, 5):
        target = distortions.get("compression_jpeg2000").params(level)["psnr_db"]
        psnr = 10 * np.log10(255 ** 2 / _mse(ref, distortions.apply(ref, "compression_jpeg2000", level, 0)))
        assert abs(psnr - target) < 2.0, (level, psnr, target)


@pytest.mark.parametrize("call", [
    lambda img: quantize.otsu(img, None, classes=1),
    lambda img: quantize.histeq(img, None, bins=2.5),
    lambda img: brightness.gamma_rgb(img, None, gamma=0),
    lambda img: saturation.hsv(img, None, factor=-1),
])
def test_bad_parameters_are_refused_with_a_clear_error(call, small_images):
    with pytest.raises(ValueError, match=r"(classes|bins|gamma|factor)"):
        call(small_images["32x32"])


@pytest.mark.parametrize("name,level", [
    ("noise_gaussian_rgb", 1), ("noise_gaussian_rgb", 2), ("noise_gaussian_ycbcr", 3),
    ("noise_speckle", 2), ("noise_spatially_correlated", 4), ("noise_poisson", 1),
    ("noise_poisson", 5), ("noise_impulse", 5),
])
def test_noise_statistics_on_flat_grey(name, level):
    x = 0.5
    flat = np.full((160, 160, 3), 128, np.uint8)
    out = distortions.apply(flat, name, level, 9).astype(np.float64) / 255
    noise = out - 128 / 255
    p = distortions.get(name).params(level)
    if name == "noise_impulse":
        hit = np.mean(out != 128 / 255)
        assert hit == pytest.approx(p["density"], rel=0.1)
        assert np.mean(out == 1.0) == pytest.approx(np.mean(out == 0.0), rel=0.2)
        return
    expected_std = {
        "noise_gaussian_rgb": lambda: p["sigma"],
        "noise_speckle": lambda: p["sigma"] * x,
        "noise_spatially_correlated": lambda: p["sigma"] / 3,  # mean of 9 i.i.d. draws
        "noise_poisson": lambda: np.sqrt(x / p["scale"]),
        "noise_gaussian_ycbcr": lambda: p["sigma_y"],  # luma only, checked below
    }[name]()
    if name == "noise_gaussian_ycbcr":
        noise = _luminance(out) - 128 / 255
    assert abs(noise.mean()) < 0.01
    assert noise.std() == pytest.approx(expected_std, rel=0.1)


def test_zoom_levels_use_the_published_factor_lists():
    """Levels 1–5 average 2, 4, 6, 8 and 11 zoomed copies: 1.00 up to 1.02, 1.06, 1.10, 1.14, 1.20."""
    spec = distortions.get("blur_zoom")
    counts = [len(blur.zoom_factors(spec.params(level)["max_factor"])) for level in range(1, 6)]
    assert counts == [2, 4, 6, 8, 11]


def test_pixelate_uses_floor_sized_box_average_blocks():
    image = _rgb("coffee")[:50, :50].copy()
    out = distortions.apply(image, "pixelate", 3, 0)  # scale 0.3: 15×15 blocks of 50/15 px
    small = np.asarray(Image.fromarray(image).resize((15, 15), Image.Resampling.BOX))
    np.testing.assert_array_equal(out, np.asarray(Image.fromarray(small).resize((50, 50), Image.Resampling.NEAREST)))
