"""Reference image input: conversions of every common mode, and clear rejections."""

import io

import numpy as np
import pytest
from PIL import Image

from fixtures_images import bomb_png
from iqa_datagen.distortions.images import ImageError, load_image, resize_short_side


def save(path, img, **kw):
    img.save(path, **kw)
    return path


def test_grayscale_becomes_three_equal_channels(tmp_path):
    arr = (np.arange(64 * 48) % 256).astype(np.uint8).reshape(48, 64)
    out = load_image(save(tmp_path / "g.png", Image.fromarray(arr, "L")))
    assert out.shape == (48, 64, 3) and out.dtype == np.uint8
    assert np.array_equal(out[..., 0], arr) and np.array_equal(out[..., 2], arr)


def test_sixteen_bit_is_scaled_not_clipped(tmp_path):
    arr = np.full((40, 40), 65535, np.uint16)
    arr[:20] = 257 * 100
    out = load_image(save(tmp_path / "g16.png", Image.fromarray(arr)))
    assert out[0, 0, 0] == 100 and out[30, 0, 1] == 255


def test_alpha_composited_over_white(tmp_path):
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[..., 0] = 200  # red, fully transparent on the left half
    rgba[:, 20:, 3] = 255
    out = load_image(save(tmp_path / "a.png", Image.fromarray(rgba, "RGBA")))
    assert tuple(out[0, 0]) == (255, 255, 255)
    assert tuple(out[0, 30]) == (200, 0, 0)
    la = Image.fromarray(rgba[..., [0, 3]], "LA")
    out = load_image(save(tmp_path / "la.png", la))
    assert tuple(out[0, 0]) == (255, 255, 255) and tuple(out[0, 30]) == (200, 200, 200)


def test_palette_expanded(tmp_path):
    img = Image.fromarray(np.full((40, 40, 3), (10, 120, 240), np.uint8)).convert("P", palette=Image.Palette.ADAPTIVE)
    out = load_image(save(tmp_path / "p.png", img))
    assert out.shape == (40, 40, 3)
    assert abs(int(out[5, 5, 2]) - 240) < 10


def test_exif_rotation_applied(tmp_path):
    arr = np.zeros((40, 80, 3), np.uint8)  # landscape on disk
    img = Image.fromarray(arr)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when displayed
    out = load_image(save(tmp_path / "r.jpg", img, exif=exif.tobytes()))
    assert out.shape == (80, 40, 3)


@pytest.mark.parametrize("size", [(31, 100), (100, 20)])
def test_too_small_rejected(tmp_path, size):
    path = save(tmp_path / "small.png", Image.new("RGB", size))
    with pytest.raises(ImageError, match=r"small\.png: too small"):
        load_image(path)


def test_truncated_and_non_image_rejected_with_file_name(tmp_path):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), np.uint8)).save(
        buf, "JPEG")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(buf.getvalue()[:600])
    with pytest.raises(ImageError, match=r"cut\.jpg: cannot be decoded"):
        load_image(cut)
    txt = tmp_path / "notes.png"
    txt.write_text("hello, not an image")
    with pytest.raises(ImageError, match=r"notes\.png: not an image"):
        load_image(txt)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        load_image(empty)
    with pytest.raises(ImageError, match="missing.png: cannot be read"):
        load_image(tmp_path / "missing.png")


def test_resize_short_side_only_shrinks():
    big = np.zeros((600, 900, 3), np.uint8)
    assert resize_short_side(big, 224).shape == (224, 336, 3)
    tall = np.zeros((900, 600, 3), np.uint8)
    assert resize_short_side(tall, 224).shape == (336, 224, 3)
    small = np.zeros((100, 150, 3), np.uint8)
    assert resize_short_side(small, 224) is small


def test_source_info_reports_size_colour_rotation_and_camera(tmp_path):
    from iqa_datagen.distortions.images import load_with_info

    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "EOS 5D "
    exif[0x0112] = 6  # shown rotated: the upright image is 40 wide, 80 high
    sub = exif.get_ifd(0x8769)
    sub[0x829A] = 0.008  # 1/125 s
    sub[0x8827] = 400
    sub[0x920A] = 50.0
    path = save(tmp_path / "cam.jpg", Image.fromarray(np.zeros((40, 80, 3), np.uint8)),
                exif=exif.tobytes())
    image, info = load_with_info(path)
    assert image.shape == (80, 40, 3) and (info.width, info.height) == (40, 80)
    assert info.exif_rotated and info.colour == "none"
    assert info.camera == {"make": "Canon", "model": "EOS 5D", "exposure_time": 0.008,
                           "iso": 400, "focal_length": 50.0}
    gray = save(tmp_path / "g16.png", Image.fromarray(np.full((40, 50), 9000, np.uint16)))
    _, info = load_with_info(gray)
    assert info.camera == {} and not info.exif_rotated and info.colour.startswith("16-bit")


def test_decompression_bomb_is_refused_from_its_header(tmp_path):
    path = bomb_png(tmp_path / "bomb.png")
    with pytest.raises(ImageError, match="too large: 900 megapixels.*not decoded"):
        load_image(path)
    with pytest.raises(ImageError, match="too large: 12000×12000 px.*not decoded"):
        load_image(bomb_png(tmp_path / "big.png", 12000, 12000), max_pixels=100_000_000)
    # the limit is the caller's: a modest image over a small limit is refused the same way
    small = save(tmp_path / "s.png", Image.new("RGB", (100, 100)))
    with pytest.raises(ImageError, match="references.max_pixels"):
        load_image(small, max_pixels=5000)
    assert load_image(small, max_pixels=10000).shape == (100, 100, 3)


def test_bomb_reference_is_an_image_error_for_every_loader(tmp_path):
    """Shards and assistant training both catch ImageError (a ValueError): none may crash."""
    from iqa_datagen.config import BuildConfig
    from iqa_datagen.distortions.images import MAX_PIXELS
    from iqa_datagen.pipeline.references import discover, load_reference

    bomb_png(tmp_path / "bomb.png")
    cfg = BuildConfig.model_validate({"references": {"folder": str(tmp_path)}})
    assert cfg.references.max_pixels == MAX_PIXELS
    (ref,) = discover(cfg)
    with pytest.raises(ValueError, match="too large"):
        load_reference(ref, 224, cfg.references.max_pixels)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_large_images_are_decoded_reduced_and_still_resize_faithfully(tmp_path, fmt):
    yy, xx = np.mgrid[0:2400, 0:3600]
    arr = np.stack([(xx // 7) % 256, (yy // 5) % 256, ((xx + yy) // 11) % 256], -1)
    arr = np.asarray(Image.fromarray(arr.astype(np.uint8)).resize((3600, 2400), Image.BOX))
    path = save(tmp_path / f"big.{fmt.lower()}", Image.fromarray(arr), format=fmt, quality=95)
    reduced = load_image(path, short_side=224)
    # decoded at a fraction of its size, never below twice the final short side
    assert 448 <= min(reduced.shape[:2]) < 2400
    assert abs(reduced.shape[1] / reduced.shape[0] - 1.5) < 0.01
    full = resize_short_side(load_image(path), 224)
    small = resize_short_side(reduced, 224)
    assert small.shape == full.shape
    mse = np.mean((small.astype(float) - full.astype(float)) ** 2)
    assert 10 * np.log10(255 ** 2 / max(mse, 1e-9)) > 25


def test_symlink_loops_and_broken_links_are_listed_with_their_reason(tmp_path):
    from iqa_datagen.distortions.images import scan_images

    (tmp_path / "sub").mkdir()
    save(tmp_path / "sub" / "a.png", Image.new("RGB", (40, 40)))
    (tmp_path / "loop.png").symlink_to("loop.png")
    (tmp_path / "gone.jpg").symlink_to("missing.jpg")
    (tmp_path / "sub" / "up").symlink_to("..")
    files, problems = scan_images(tmp_path)
    assert files == [tmp_path / "sub" / "a.png"]
    reasons = {p.name: r for p, r in problems.items()}
    assert set(reasons) == {"loop.png", "gone.jpg", "up"}
    assert "symlink loop" in reasons["loop.png"] and "symlink loop" in reasons["up"]
    assert "broken link" in reasons["gone.jpg"]
