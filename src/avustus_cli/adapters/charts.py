"""Bar charts as inline SVG, and the statistics report page (pure: text in, text out).

No plotting library: a horizontal bar chart is a few ``<rect>`` and
``<text>`` elements. Every label is escaped (applicant names and
municipalities come from applications). The page needs no scripts, fonts or
network: it opens from a file and prints.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from avustus_cli.domain import fmt

BAR = "#2f6f9f"
BAR_LIGHT = "#c9dced"
TEXT = "#222222"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _short(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[Decimal | int],
    *,
    background: Sequence[Decimal | int | None] | None = None,
    value_text: Callable[[Any], str] = fmt.money,
    legend: tuple[str, str] | None = None,
    width: int = 720,
    label_width: int = 230,
    bar_height: int = 20,
) -> str:
    """A horizontal bar chart as an ``<svg>`` element.

    ``background`` (e.g. the amounts applied for) is drawn as a lighter bar
    behind each value bar; ``legend`` names (value, background)."""
    n = len(labels)
    top = 34 + (18 if legend else 0)
    gap = 8
    height = top + n * (bar_height + gap) + 10
    plot = width - label_width - 120
    scale_max = max([Decimal(v) for v in values] + [Decimal(b) for b in (background or []) if b is not None] + [Decimal(1)])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_e(title)}" font-family="Arial, Helvetica, sans-serif" font-size="12">',
        f"<title>{_e(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="bold" fill="{TEXT}">{_e(title)}</text>',
    ]
    if legend:
        parts.append(f'<rect x="0" y="28" width="12" height="12" fill="{BAR}"/>')
        parts.append(f'<text x="16" y="38" fill="{TEXT}">{_e(legend[0])}</text>')
        parts.append(f'<rect x="160" y="28" width="12" height="12" fill="{BAR_LIGHT}"/>')
        parts.append(f'<text x="176" y="38" fill="{TEXT}">{_e(legend[1])}</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        y = top + i * (bar_height + gap)
        mid = y + bar_height * 0.7
        parts.append(
            f'<text x="{label_width - 6}" y="{mid:.1f}" text-anchor="end" fill="{TEXT}">'
            f"<title>{_e(label)}</title>{_e(_short(label, 34))}</text>"
        )
        behind = background[i] if background is not None else None
        if behind is not None:
            bw = float(Decimal(behind) / scale_max) * plot
            parts.append(f'<rect x="{label_width}" y="{y}" width="{bw:.1f}" height="{bar_height}" fill="{BAR_LIGHT}"/>')
        w = float(Decimal(value) / scale_max) * plot
        parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="{bar_height - 6}" fill="{BAR}"/>')
        end = label_width + max(w, float(Decimal(behind) / scale_max) * plot if behind is not None else 0)
        parts.append(f'<text x="{end + 6:.1f}" y="{mid:.1f}" fill="{TEXT}">{_e(value_text(value))}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


_CSS = """
body { font-family: Arial, Helvetica, sans-serif; color: #222; max-width: 60em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; white-space: nowrap; }
.note { color: #555; font-size: 0.9em; }
@media print { h2 { page-break-after: avoid; } svg { page-break-inside: avoid; } }
"""


def _table(rows: list[dict[str, Any]], with_change: bool = False) -> str:
    head = ["", "Päätöksiä", "Myönteisiä", "Myönnetty", "Haettu (tiedossa)", "Myönnetty niistä", "Myönnetty / haettu"]
    if with_change:
        head += ["Muutos", "Muutos %"]
    out = ["<table>", "<tr>" + "".join(f'<th{" class=n" if i else ""}>{_e(h)}</th>' for i, h in enumerate(head)) + "</tr>"]
    for r in rows:
        cells = [
            r["label"],
            fmt.number(r["decisions"]),
            fmt.number(r["grants"]),
            fmt.money(r["granted"]),
            fmt.money(r["requested"]),
            fmt.money(r.get("granted_known")),
            fmt.percent(r["share"], 1),
        ]
        if with_change:
            cells += [fmt.money(r.get("change")), fmt.percent(r.get("change_pct"), 1)]
        out.append("<tr>" + "".join(f'<td{" class=n" if i else ""}>{_e(c)}</td>' for i, c in enumerate(cells)) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def report_html(summary: dict[str, Any], titles: dict[str, str], heading: str, notes: Sequence[str] = ()) -> str:
    """The statistics report: a table and a bar chart per section, as one HTML page."""
    total = summary["total"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="fi"><head><meta charset="utf-8">',
        f"<title>{_e(heading)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(heading)}</h1>",
        f'<p>Päätöksiä {_e(fmt.number(total["decisions"]))}, joista myönteisiä {_e(fmt.number(total["grants"]))}; '
        f'myönnetty yhteensä {_e(fmt.money(total["granted"]))}'
        + (
            f'; haettu {_e(fmt.money(total["requested"]))} niissä {_e(fmt.number(total["requested_known"]))} päätöksessä, '
            f'joissa haettu summa on tiedossa (myönnetty niistä {_e(fmt.percent(total["share"], 1))})'
            if total["requested"] else ""
        )
        + ".</p>",
    ]
    parts += [f'<p class="note">{_e(n)}</p>' for n in notes]
    for key, title in titles.items():
        rows = summary.get(key) or []
        if not rows:
            continue
        parts.append(f"<h2>{_e(title)}</h2>")
        show_requested = key in ("by_year", "by_form", "by_category") and any(r["requested"] for r in rows)
        parts.append(
            bar_chart(
                title,
                [r["label"] for r in rows],
                # like with like: against the requests, only what was granted in those same decisions
                [(r.get("granted_known") or 0) if show_requested else r["granted"] for r in rows],
                background=[r["requested"] for r in rows] if show_requested else None,
                legend=("Myönnetty", "Haettu") if show_requested else None,
            )
        )
        parts.append(_table(rows, with_change=key == "by_year"))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


__all__ = ["bar_chart", "report_html"]
