"""Pictures of the dashboard as server-rendered SVG: no JavaScript, no charting library.

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` that says what it shows in words;
the page puts the same numbers in a table beside it for screen readers and for anyone who wants them.
Colours are Bootstrap's CSS variables, set in `style` attributes, so the pictures follow the light and
dark themes; text uses the body colour. Every label and number is escaped.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_ids = itertools.count(1)

TEXT = "fill: var(--bs-body-color)"
MUTED = "fill: var(--bs-secondary-color)"
TRACK = "fill: var(--bs-secondary-bg)"
COLOURS = {
    "primary": "fill: var(--bs-primary)",
    "success": "fill: var(--bs-success)",
    "warning": "fill: var(--bs-warning)",
    "danger": "fill: var(--bs-danger)",
    "info": "fill: var(--bs-info)",
    "secondary": "fill: var(--bs-secondary)",
}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    colour: str = "primary"
    note: str = ""  # shown after the value ("of 30")


def _open(width: int, height: int, title: str, desc: str) -> tuple[str, str]:
    n = next(_ids)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-labelledby="chart-{n}-t chart-{n}-d" '
        f'style="max-width: {width}px; height: auto">'
        f'<title id="chart-{n}-t">{escape(title)}</title><desc id="chart-{n}-d">{escape(desc)}</desc>'
    )
    return head, "</svg>"


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def bars(rows: list[Bar], title: str, desc: str, maximum: float | None = None, label_width: int = 220,
         width: int = 640, unit: str = "") -> SafeString:
    """Horizontal bars, one per row, each on a track that stands for `maximum`."""
    row_height, gap = 22, 8
    top = 4
    height = top + len(rows) * (row_height + gap) + 2
    head, tail = _open(width, height, title, desc)
    maximum = maximum or max((r.value for r in rows), default=0) or 1
    track = width - label_width - 90
    parts = [head]
    for i, row in enumerate(rows):
        y = top + i * (row_height + gap)
        length = 0 if maximum <= 0 else max(0.0, min(1.0, row.value / maximum)) * track
        fits = max(4, int((label_width - 12) / 7.4))  # characters of a 13px label that fit its column
        label = row.label if len(row.label) <= fits else row.label[: fits - 1] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" font-size="13" style="{TEXT}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{track}" height="{row_height}" rx="3" style="{TRACK}"/>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{row_height}" rx="3" style="{COLOURS[row.colour]}"/>'
            f'<text x="{label_width + track + 8}" y="{y + 15}" font-size="13" style="{TEXT}">'
            f'{escape(_number(row.value))}{escape(unit)}{escape(row.note)}</text>'
        )
    parts.append(tail)
    return mark_safe("".join(parts))


def stacked(rows: list[Bar], title: str, desc: str, width: int = 640) -> SafeString:
    """One bar split into parts (the cohort by status), with a legend below."""
    height = 70
    head, tail = _open(width, height, title, desc)
    total = sum(r.value for r in rows) or 1
    parts, x = [head], 0.0
    for row in rows:
        w = row.value / total * width
        if w > 0:
            parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="28" style="{COLOURS[row.colour]}"/>')
        x += w
    lx = 0
    for row in rows:
        text = f"{row.label}: {_number(row.value)}"
        parts.append(f'<rect x="{lx}" y="44" width="14" height="14" rx="2" style="{COLOURS[row.colour]}"/>'
                     f'<text x="{lx + 20}" y="56" font-size="13" style="{TEXT}">{escape(text)}</text>')
        lx += 30 + 8 * len(text)
    parts.append(tail)
    return mark_safe("".join(parts))


def columns(rows: list[Bar], title: str, desc: str, width: int = 640, height: int = 180) -> SafeString:
    """Vertical bars with their labels below (weeks, score bins)."""
    head, tail = _open(width, height, title, desc)
    bottom, top = height - 24, 18
    maximum = max((r.value for r in rows), default=0) or 1
    step = width / max(len(rows), 1)
    parts = [head, f'<line x1="0" y1="{bottom}" x2="{width}" y2="{bottom}" style="stroke: var(--bs-border-color)"/>']
    for i, row in enumerate(rows):
        h = row.value / maximum * (bottom - top)
        x = i * step + step * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" rx="2" style="{COLOURS[row.colour]}"/>'
            f'<text x="{x + step * 0.35:.1f}" y="{bottom - h - 4:.1f}" text-anchor="middle" font-size="12" style="{TEXT}">{escape(_number(row.value))}</text>'
            f'<text x="{x + step * 0.35:.1f}" y="{height - 6}" text-anchor="middle" font-size="11" style="{MUTED}">{escape(row.label)}</text>'
        )
    parts.append(tail)
    return mark_safe("".join(parts))
