#!/usr/bin/env python3
"""Draws the app's PNG icons (a white check mark on dark green, full bleed so they also serve as
maskable icons) with the standard library only: python3 tools/icons.py, from crates/app."""
import struct, zlib

BG = (0x0B, 0x5D, 0x1E)
FG = (0xFF, 0xFF, 0xFF)
# The check mark as two strokes, in units of the icon's size (inside the maskable safe zone).
STROKES = [((0.28, 0.52), (0.44, 0.68)), ((0.44, 0.68), (0.74, 0.34))]
WIDTH = 0.085


def dist(px, py, a, b):
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    cx, cy = ax + t * dx, ay + t * dy
    return ((px - cx) ** 2 + (py - cy) ** 2) ** 0.5


def png(size):
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            # 4x4 supersampling for smooth edges.
            cover = 0
            for sy in range(4):
                for sx in range(4):
                    px, py = (x + (sx + 0.5) / 4) / size, (y + (sy + 0.5) / 4) / size
                    if min(dist(px, py, a, b) for a, b in STROKES) <= WIDTH / 2:
                        cover += 1
            a = cover / 16
            row += bytes(round(BG[i] * (1 - a) + FG[i] * a) for i in range(3))
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


for size in (192, 512):
    with open(f"static/icon-{size}.png", "wb") as f:
        f.write(png(size))
