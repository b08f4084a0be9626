"""Image files for tests that need a malformed input (shared by the image and CLI tests)."""

import io

from PIL import Image


def bomb_png(path, width=30000, height=30000):
    """A PNG whose header claims ``width``×``height`` (a decompression bomb) in a few bytes."""
    import struct
    import zlib

    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (40, 90, 200)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    ihdr = bytearray(data[16:29])
    ihdr[0:8] = struct.pack(">II", width, height)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)))
    path.write_bytes(bytes(data))
    return path
