"""Robust image loading: every PIL mode, EXIF, animation, bombs, damaged files; tensor round trips."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image, ImageFile

from diffusion import imaging


def encode(image: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def gradient(mode: str, size=(40, 30)) -> Image.Image:
    base = Image.linear_gradient("L").resize(size)
    return base.convert(mode) if mode not in ("I;16", "F") else _high_depth(mode, size)


def _high_depth(mode: str, size) -> Image.Image:
    ramp = np.tile(np.linspace(0, 1, size[0]), (size[1], 1))
    if mode == "I;16":
        return Image.fromarray((ramp * 65535).astype(np.uint16), mode="I;16")
    return Image.fromarray((ramp * 1e4 - 5e3).astype(np.float32), mode="F")


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "PA", "RGB", "RGBA", "CMYK", "YCbCr", "I", "I;16", "F", "HSV"])
@pytest.mark.parametrize("channels", [1, 3])
def test_every_mode_loads(mode: str, channels: int) -> None:
    x = imaging.load_image(gradient(mode), size=32, channels=channels)
    assert x.shape == (channels, 32, 32) and x.dtype == torch.float32
    assert x.min() >= -1 and x.max() <= 1 and x.std() > 0.05  # the gradient survived the conversion


def test_high_bit_depth_range_is_stretched() -> None:
    x = imaging.load_image(gradient("I;16", (64, 64)), size=64)
    assert x.min() < -0.95 and x.max() > 0.95


def test_transparency_is_composited_on_white() -> None:
    clear = Image.new("RGBA", (16, 16), (0, 0, 0, 0))
    assert imaging.load_image(clear, size=16).min() == 1.0


def test_exif_orientation_is_applied() -> None:
    img = Image.new("L", (40, 20), 0)
    img.paste(255, (0, 0, 20, 20))  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": the white half ends up on top
    data = encode(img, "JPEG", exif=exif.tobytes(), quality=95)
    x = imaging.load_image(data, size=20)
    assert x[0, :5].mean() > 0.8 and x[0, -5:].mean() < -0.8


def test_animated_gif_uses_the_first_frame() -> None:
    frames = [Image.new("L", (16, 16), v) for v in (255, 0, 0)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=50)
    assert imaging.load_image(buf.getvalue(), size=16).mean() > 0.9


def test_tiny_and_very_wide_images() -> None:
    assert imaging.load_image(Image.new("L", (1, 1), 200), size=128).shape == (1, 128, 128)
    assert imaging.load_image(Image.new("RGB", (5000, 3)), size=64, channels=3).shape == (3, 64, 64)


def png_claiming_size(width: int, height: int) -> bytes:
    """A small valid PNG whose header is rewritten to claim width x height (CRC fixed)."""
    data = bytearray(encode(Image.new("L", (8, 8))))
    ihdr = 8 + 8  # signature, then length + type of the IHDR chunk
    data[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12 : ihdr + 13]))
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", crc)
    return bytes(data)


@pytest.mark.parametrize("size", [(20_000, 20_000), (8_000, 6_000)])  # past PIL's own bomb limit; past ours only
def test_pixel_cap_triggers_before_decoding(monkeypatch, size: tuple[int, int]) -> None:
    def no_decoding(self, *args, **kwargs):
        raise AssertionError("pixels were decoded before the size check")

    bomb = png_claiming_size(*size)  # 8 x 8 pixels stored, millions claimed
    monkeypatch.setattr(Image.Image, "load", no_decoding)
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(ValueError, match="too large"):
        imaging.open_image(bomb)


def test_damaged_files_give_clear_errors() -> None:
    with pytest.raises(ValueError, match="not an image"):
        imaging.load_image(b"%PDF-1.4 definitely not an image")
    with pytest.raises(ValueError, match="not an image"):
        imaging.load_image(b"")
    jpeg = encode(Image.linear_gradient("L").convert("RGB"), "JPEG")
    with pytest.raises(ValueError, match="damaged or truncated"):
        imaging.load_image(jpeg[: len(jpeg) // 2])


def test_tensor_round_trip_and_psnr() -> None:
    img = Image.linear_gradient("L").resize((32, 32))
    x = imaging.pil_to_tensor(img)
    assert np.array_equal(np.asarray(imaging.to_pil(x)), np.asarray(img))
    rgb = imaging.pil_to_tensor(img.convert("RGB"))
    assert rgb.shape == (3, 32, 32) and imaging.to_pil(rgb).mode == "RGB"
    assert imaging.psnr(x, x) == float("inf")
    zeros = torch.zeros(1, 8, 8)
    assert abs(imaging.psnr(zeros, zeros + 0.02) - 40.0) < 1e-5  # 10 log10(2^2 / 0.02^2)


def test_bad_sizes_and_channels() -> None:
    with pytest.raises(ValueError, match="channels"):
        imaging.prepare(Image.new("L", (8, 8)), 32, channels=2)
    with pytest.raises(ValueError, match="size"):
        imaging.prepare(Image.new("L", (8, 8)), 4)


def test_a_huge_16_bit_image_is_shrunk_before_it_becomes_floats(tmp_path) -> None:
    """A 39.7 MP 16-bit PNG (77 kB on disk) once cost ~1.2 GB of float64 copies per request."""
    import tracemalloc

    path = tmp_path / "big16.png"
    ramp = (np.arange(6300, dtype=np.uint32) * 10).astype(np.uint16)
    Image.fromarray(np.tile(ramp, (6300, 1))).save(path)
    tracemalloc.start()
    x = imaging.load_image(path, size=64)
    _, peak = tracemalloc.get_traced_memory()  # numpy's arrays (PIL's own buffers are not traced)
    tracemalloc.stop()
    assert peak < 100e6, peak  # measured 42 MB: 4 MP of float32 and its copies (float64 at 39.7 MP: 318 MB each)
    assert x.shape == (1, 64, 64) and x.min() < -0.9 and x.max() > 0.9  # the ramp still spans the range


def test_non_finite_pixels_follow_one_rule_on_every_input(tmp_path) -> None:
    """A float TIFF holding ±inf: the finite pixels keep their look (stretched to 0..255), +inf is white, -inf and
    NaN black, on every input (the same conversion feeds load_image and shape_mask), also where no pixel is finite.
    (It became a black image: the infinite range swallowed the finite one.)"""
    arr = np.full((64, 64), 0.25, np.float32)
    arr[16:48, 16:48] = 0.75  # a light square on grey
    arr[0, 0], arr[0, 1], arr[0, 2] = np.inf, -np.inf, np.nan
    path = tmp_path / "inf.tiff"
    Image.fromarray(arr, mode="F").save(path)
    x = imaging.load_image(str(path), size=64)
    assert float(x[0, 32, 32]) > 0.9 and abs(float(x[0, 40, 5]) + 1) < 0.05  # square white, background black
    mask = imaging.shape_mask(Image.open(path))
    assert mask[20:44, 20:44].all() and not mask[50:, 50:].any()  # the square is the shape, not "blank"
    Image.fromarray(np.full((8, 8), np.inf, np.float32), mode="F").save(path)
    assert float(imaging.load_image(str(path), size=16).min()) == 1.0  # all +inf: white
