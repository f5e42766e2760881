"""Tiny server-side SVG charts: a horizontal bar chart and a horizontal stacked bar chart.

No chart framework and no JavaScript: the markup is built as a string with every text and
attribute escaped, so a label typed by staff can never break out of the SVG. Colours come from
our palette (static/css/tokens.css) and are set with SVG presentation attributes (fill=…), never
with inline style attributes (the CSP forbids them).

Layout is logical: each item has its label on a line of its own and the bar below it, starting at
the inline start. For right-to-left pages the whole drawing is mirrored (labels and bars start on
the right) and every text carries direction="rtl", so Arabic labels and numbers read correctly.
The numbers are written next to the bars too, and the page shows the same numbers in a table.
"""
import textwrap
from dataclasses import dataclass, field

from markupsafe import Markup, escape

# The palette of tokens.css.
PRIMARY = "#1b4f72"
OK = "#1e6b3a"
WARN = "#7a4d00"
ERROR = "#a4262c"
MUTED = "#4a4a4a"
TEXT = "#1a1a1a"
LIGHT = "#c9ced6"
TRACK = "#e8f0f6"
SERIES = (PRIMARY, OK, WARN, ERROR, MUTED, "#5b2c6f")

WIDTH = 360
FONT = 13
LINE = 17
BAR = 16
GAP = 12
VALUE_SPACE = 64
WRAP = 50


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (None: not shown, e.g. a hidden small count) and the text
    written next to it (the formatted value, or "< 5")."""

    label: str
    value: float | None
    text: str
    colour: str = PRIMARY


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str


@dataclass(frozen=True)
class StackedBar:
    """One stacked bar: values per series key (None or missing: hidden), the total when it may be
    shown (the part of the total that is hidden is drawn as one grey block) and the total's text."""

    label: str
    values: dict = field(default_factory=dict)
    total: float | None = None
    text: str = ""


class _Canvas:
    """Collects SVG elements in logical coordinates and mirrors them for right-to-left."""

    def __init__(self, rtl: bool):
        self.rtl = rtl
        self.parts: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str, stroke: str | None = None) -> None:
        if w <= 0:
            return
        left = WIDTH - x - w if self.rtl else x
        extra = f' stroke="{escape(stroke)}" stroke-width="1"' if stroke else ""
        self.parts.append(f'<rect x="{left:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                          f'fill="{escape(fill)}"{extra}/>')

    def text(self, x: float, y: float, value: str, *, bold: bool = False, fill: str = TEXT) -> None:
        """Text starting at logical x (the inline start: the right edge of the text in RTL)."""
        left = WIDTH - x if self.rtl else x
        weight = ' font-weight="600"' if bold else ""
        self.parts.append(f'<text x="{left:.1f}" y="{y:.1f}" font-size="{FONT}" fill="{escape(fill)}" '
                          f'text-anchor="start" direction="{"rtl" if self.rtl else "ltr"}"{weight}>'
                          f'{escape(value)}</text>')

    def lines(self, x: float, y: float, label: str, **kw) -> float:
        """A label wrapped over as many lines as it needs; returns the y below it."""
        for line in textwrap.wrap(label, WRAP) or [""]:
            y += LINE
            self.text(x, y - 4, line, **kw)
        return y


def _svg(chart_id: str, title: str, desc: str, height: float, body: list[str]) -> Markup:
    chart_id = str(escape(chart_id))
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="{WIDTH}" height="{height:.0f}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="system-ui, sans-serif">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def _scale(values) -> float:
    known = [float(v) for v in values if v is not None and v > 0]
    return max(known) if known else 1.0


def bar_chart(chart_id: str, title: str, desc: str, bars: list[Bar], *, rtl: bool = False,
              max_value: float | None = None) -> Markup:
    """Horizontal bars, one per item, each under its label with its number after it."""
    canvas = _Canvas(rtl)
    room = WIDTH - VALUE_SPACE
    top = max_value if max_value else _scale(b.value for b in bars)
    y = 4.0
    for bar in bars:
        y = canvas.lines(0, y, bar.label)
        length = 0.0
        if bar.value is not None and bar.value > 0:
            length = max(2.0, room * float(bar.value) / top)
            canvas.rect(0, y, length, BAR, bar.colour)
        canvas.text(length + 6, y + BAR - 3, bar.text, bold=True)
        y += BAR + GAP
    return _svg(chart_id, title, desc, y, canvas.parts)


def stacked_bar_chart(chart_id: str, title: str, desc: str, series: list[Series], bars: list[StackedBar], *,
                      hidden_label: str, rtl: bool = False) -> Markup:
    """Horizontal stacked bars with a legend on top. Values that are hidden are not drawn apart:
    together they are one grey block, so the chart never shows more than the table."""
    canvas = _Canvas(rtl)
    room = WIDTH - VALUE_SPACE
    y = 2.0
    for item in list(series) + [Series("_hidden", hidden_label, LIGHT)]:
        canvas.rect(0, y + 3, 12, 12, item.colour)
        canvas.text(18, y + 14, item.label)
        y += LINE + 2
    y += 6
    sizes = []
    for bar in bars:
        visible = sum(float(bar.values.get(s.key) or 0) for s in series)
        sizes.append(max(visible, float(bar.total or 0)))
    top = _scale(sizes)
    for bar in bars:
        y = canvas.lines(0, y, bar.label)
        x = 0.0
        for item in series:
            value = bar.values.get(item.key)
            if value is not None and value > 0:
                width = room * float(value) / top
                canvas.rect(x, y, width, BAR, item.colour, stroke="#ffffff")
                x += width
        if bar.total is not None:
            rest = float(bar.total) - sum(float(bar.values.get(s.key) or 0) for s in series)
            if rest > 0:
                width = room * rest / top
                canvas.rect(x, y, width, BAR, LIGHT, stroke="#ffffff")
                x += width
        canvas.text(x + 6, y + BAR - 3, bar.text, bold=True)
        y += BAR + GAP
    return _svg(chart_id, title, desc, y, canvas.parts)
