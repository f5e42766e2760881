"""Draw the app icons (PNG) without an image library: `python static/icons/make_icons.py`.

The mark is a route: three stops joined by a path, white on the app's blue. The maskable icon
keeps the mark inside the safe zone (the middle 80 %) because launchers crop it to a circle.
"""
import math
import struct
import zlib
from pathlib import Path

BLUE = (27, 79, 114)
WHITE = (255, 255, 255)
HERE = Path(__file__).resolve().parent


def _png(path: Path, pixels: list[list[tuple[int, int, int, int]]]) -> None:
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\0" + bytes(c for px in row for c in px) for row in pixels)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _segment_distance(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def draw(size: int, maskable: bool) -> list[list[tuple[int, int, int, int]]]:
    """The icon at `size` px, 4× supersampled for smooth edges."""
    scale = 0.62 if maskable else 0.8   # share of the canvas the mark may use
    stops = [(-0.32, 0.3), (0.05, -0.05), (0.3, -0.32)]
    radius, width = 0.11, 0.07
    corner = 0.0 if maskable else 0.18
    rows = []
    samples = [(i + 0.5) / 4 for i in range(4)]
    for y in range(size):
        row = []
        for x in range(size):
            bg = mark = 0
            for sy in samples:
                for sx in samples:
                    u, v = (x + sx) / size, (y + sy) / size
                    # rounded square background (full bleed when maskable)
                    cx, cy = min(max(u, corner), 1 - corner), min(max(v, corner), 1 - corner)
                    inside = math.hypot(u - cx, v - cy) <= corner if corner else True
                    if not inside:
                        continue
                    bg += 1
                    mx, my = (u - 0.5) / scale, (v - 0.5) / scale
                    near_stop = any(math.hypot(mx - a, my - b) <= radius for a, b in stops)
                    near_path = any(_segment_distance(mx, my, *stops[i], *stops[i + 1]) <= width / 2
                                    for i in range(len(stops) - 1))
                    mark += near_stop or near_path
            alpha = bg / 16
            share = mark / max(bg, 1)
            color = tuple(round(BLUE[i] * (1 - share) + WHITE[i] * share) for i in range(3))
            row.append((*color, round(255 * alpha)))
        rows.append(row)
    return rows


if __name__ == "__main__":
    for name, size, maskable in [("icon-192.png", 192, False), ("icon-512.png", 512, False),
                                 ("maskable-512.png", 512, True), ("apple-touch-icon.png", 180, True),
                                 ("favicon-32.png", 32, False)]:
        _png(HERE / name, draw(size, maskable))
        print(name)
