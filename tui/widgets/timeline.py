"""A per-concierge timeline of one day: visits as blocks, travel between them, the break, free time.

Rows are plain values (`TimelineRow` with `Block`s in minutes from midnight) set by the screen; the
widget only draws them on a fixed hour scale that stretches with the widget's width.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import set_cell_size
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.text import clean

#: Colours per block kind / urgency (Rich styles; the widget is self-contained).
STYLES = {
    "emergency": "bold white on red",
    "high": "black on dark_orange",
    "normal": "white on dodger_blue3",
    "low": "white on grey42",
    "done": "black on green3",
    "in_progress": "black on chartreuse2",
    "moved": "black on magenta",
    "travel": "grey62",
    "break": "black on khaki1",
    "free": "grey30",
}
LABEL_WIDTH = 14
#: Room at the right end of a row for its note ("free 3h20").
NOTE_WIDTH = 11


@dataclass(frozen=True)
class Block:
    """Something in a concierge's day: `kind` is visit, travel or break; `style` picks the colour
    (an urgency, done, in_progress or moved for visits)."""

    kind: str
    start: int
    end: int
    text: str = ""
    style: str = "normal"


@dataclass(frozen=True)
class TimelineRow:
    label: str
    blocks: tuple[Block, ...]
    note: str = ""


class Timeline(Widget):
    """Concierges down, hours across (default 08:00–20:00)."""

    DEFAULT_CSS = """
    Timeline { height: auto; min-height: 3; }
    """

    rows: reactive[tuple[TimelineRow, ...]] = reactive((), layout=True)
    first_hour: reactive[int] = reactive(8)
    last_hour: reactive[int] = reactive(20)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self.rows) + 1 if self.rows else 2

    def render(self) -> Text:
        width = max(24, self.size.width - LABEL_WIDTH - 1 - NOTE_WIDTH)
        t0, t1 = self.first_hour * 60, self.last_hour * 60
        per_col = (t1 - t0) / width

        def col(minute: int) -> int:
            return max(0, min(width, round((minute - t0) / per_col)))

        out = Text(no_wrap=True, overflow="crop")
        header = [" "] * width
        for h in range(self.first_hour, self.last_hour + 1, 1 if width >= 72 else 2):
            c = col(h * 60)
            label = f"{h:02d}"
            for k, ch in enumerate(label):
                if c + k < width:
                    header[c + k] = ch
        out.append(" " * LABEL_WIDTH + " " + "".join(header) + "\n", style="bold")
        if not self.rows:
            out.append("  nobody works that day", style="italic")
            return out
        for n, row in enumerate(self.rows):
            cells: list[tuple[str, str]] = [("·", STYLES["free"])] * width
            for b in sorted(row.blocks, key=lambda b: (b.kind != "travel", b.start)):
                a, z = col(b.start), max(col(b.end), col(b.start) + 1)
                if b.kind == "travel":
                    for c in range(a, min(z, width)):
                        cells[c] = ("─", STYLES["travel"])
                    continue
                style = STYLES.get(b.style if b.kind == "visit" else "break", STYLES["normal"])
                text = clean(b.text) if b.kind == "visit" else "B"
                for k, c in enumerate(range(a, min(z, width))):
                    cells[c] = (text[k] if k < len(text) else " ", style)
            out.append(set_cell_size(clean(row.label), LABEL_WIDTH) + " ", style="bold")
            for ch, style in cells:
                out.append(ch, style=style)
            out.append(" " + set_cell_size(clean(row.note), NOTE_WIDTH - 1), style="italic")
            if n < len(self.rows) - 1:
                out.append("\n")
        return out
