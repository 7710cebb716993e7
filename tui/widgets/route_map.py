"""A compact map of one concierge's route drawn with braille dots: home, numbered stops, straight legs.

Points are (lat, lon); the map keeps the aspect of the area (longitude scaled by cos(latitude)) and
fits it into the widget. Deterministic for a given size, so snapshot tests can compare it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

BRAILLE_BASE = 0x2800
#: Dot bit for (x % 2, y % 4) inside one braille cell.
DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


@dataclass(frozen=True)
class MapPoint:
    lat: float
    lon: float
    label: str


class BrailleCanvas:
    """A width x height character grid of 2x4 braille dots each, with text overlays."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.bits = [[0] * width for _ in range(height)]
        self.text: dict[tuple[int, int], tuple[str, str]] = {}

    def dot(self, x: int, y: int) -> None:
        cx, cy = x // 2, y // 4
        if 0 <= cx < self.width and 0 <= cy < self.height and x >= 0 and y >= 0:
            self.bits[cy][cx] |= DOTS[y % 4][x % 2]

    def line(self, x0: int, y0: int, x1: int, y1: int) -> None:
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        while True:
            self.dot(x0, y0)
            if x0 == x1 and y0 == y1:
                return
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy

    def put(self, cx: int, cy: int, label: str, style: str) -> None:
        for k, ch in enumerate(label):
            if 0 <= cx + k < self.width and 0 <= cy < self.height:
                self.text[(cx + k, cy)] = (ch, style)

    def render(self, line_style: str = "cyan") -> Text:
        out = Text(no_wrap=True, overflow="crop")
        for y in range(self.height):
            for x in range(self.width):
                if (x, y) in self.text:
                    ch, style = self.text[(x, y)]
                    out.append(ch, style=style)
                else:
                    bits = self.bits[y][x]
                    out.append(chr(BRAILLE_BASE + bits) if bits else " ", style=line_style)
            if y < self.height - 1:
                out.append("\n")
        return out


def draw_route(home: MapPoint | None, stops: list[MapPoint], width: int, height: int) -> Text:
    """Home (H), the stops numbered in order, and the legs between them (home → stops → home)."""
    points = ([home] if home else []) + stops
    if not points or width < 4 or height < 2:
        return Text("no stops to draw", style="italic")
    lat0 = sum(p.lat for p in points) / len(points)
    kx = math.cos(math.radians(lat0))
    xs = [p.lon * kx for p in points]
    ys = [p.lat for p in points]
    span = max(max(xs) - min(xs), (max(ys) - min(ys)), 1e-4)
    dots_w, dots_h = width * 2 - 2, height * 4 - 2
    # A dot is about as wide as it is tall on a terminal (2x4 dots per 1x2 cell): one scale for both axes.
    scale = min(dots_w / span if max(xs) > min(xs) else math.inf, dots_h / span if max(ys) > min(ys) else math.inf)
    if math.isinf(scale):
        scale = 1.0
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def to_dots(p: MapPoint) -> tuple[int, int]:
        x = (p.lon * kx - cx) * scale + dots_w / 2 + 1
        y = (cy - p.lat) * scale + dots_h / 2 + 1
        return round(x), round(y)

    canvas = BrailleCanvas(width, height)
    path = points + ([home] if home and stops else [])
    for a, b in itertools.pairwise(path):
        canvas.line(*to_dots(a), *to_dots(b))
    taken: set[tuple[int, int]] = set()
    for p in points:
        x, y = to_dots(p)
        style = "bold black on yellow" if p is home else "bold white on dark_orange"
        base, row = max(0, min(x // 2, width - len(p.label))), min(y // 4, height - 1)
        # stops at one office: labels side by side (to the right, or to the left at the edge)
        candidates = [base + d for k in range(width) for d in ((k, -k) if k else (0,))]
        col = next((c for c in candidates if 0 <= c <= width - len(p.label) and not taken & {(c + i, row) for i in range(len(p.label))}), base)
        taken.update((col + i, row) for i in range(len(p.label)))
        canvas.put(col, row, p.label, style)
    return canvas.render()


class RouteMap(Widget):
    """The route of one day on a small lat/lon canvas."""

    DEFAULT_CSS = """
    RouteMap { height: 12; border: round $primary; }
    """

    home: reactive[MapPoint | None] = reactive(None)
    stops: reactive[tuple[MapPoint, ...]] = reactive(())

    def render(self) -> Text:
        return draw_route(self.home, list(self.stops), self.content_size.width, self.content_size.height)
