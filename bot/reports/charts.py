"""One PNG chart per report section, drawn with matplotlib's headless Agg canvas.

Figures are made with the object API (``Figure`` + ``FigureCanvasAgg``), never pyplot: no global
state, so after-response threads can draw at the same time. Labels are plain text: a ``$`` would
otherwise start matplotlib's math mode. Every number drawn is also in the chart's text
(bot/reports/texts.py).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # headless, before anything draws

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.reports.figures import IncidentFigures, PurchaseFigures, amount
from bot.reports.texts import CHART_ROWS, WEEKDAYS
from bot.reports.usage import OnCallFigures, ResourceFigures
from storage.incidents import SEVERITIES

WIDTH, HEIGHT, DPI = 10.0, 7.0, 100  # 1000 x 700 pixels
SEV_COLOURS = {"sev1": "#c0392b", "sev2": "#e67e22", "sev3": "#f1c40f", "sev4": "#7f8c8d"}
BLUE, GREEN, RED, GREY, PURPLE = "#2e86de", "#27ae60", "#c0392b", "#95a5a6", "#8e44ad"


def plain(text: str) -> str:
    return text.replace("$", r"\$")


@dataclass(frozen=True)
class Canvas:
    figure: Figure

    def png(self) -> bytes:
        self.figure.tight_layout()
        out = io.BytesIO()
        FigureCanvasAgg(self.figure).print_png(out)
        return out.getvalue()


def _canvas(title: str, rows: int = 2, cols: int = 1) -> tuple[Canvas, list]:
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    figure.suptitle(plain(title), fontsize=14)
    axes = [figure.add_subplot(rows, cols, i + 1) for i in range(rows * cols)]
    return Canvas(figure), axes


def _labels(labels: Sequence[str], partial_last: bool) -> list[str]:
    out = [plain(x) for x in labels]
    if out and partial_last:
        out[-1] += "*"
    return out


def _hours(seconds: float | None) -> float:
    return float("nan") if seconds is None else seconds / 3600


def incidents(f: IncidentFigures, title: str) -> bytes:
    canvas, (bars, lines) = _canvas(title)
    x = list(range(len(f.buckets)))
    labels = _labels([b.label for b in f.buckets], f.buckets[-1].partial)
    bottom = [0] * len(x)
    for sev in SEVERITIES:
        heights = [counts.get(sev, 0) for counts in f.by_bucket]
        bars.bar(x, heights, bottom=bottom, label=sev, color=SEV_COLOURS[sev])
        bottom = [a + b for a, b in zip(bottom, heights, strict=True)]
    bars.set_title("Incidents raised, by severity")
    bars.set_xticks(x, labels)
    bars.set_ylabel("incidents")
    bars.yaxis.set_major_locator(MaxNLocator(integer=True))
    bars.legend(loc="upper left", fontsize=8)
    series = [
        ("acknowledge, median", [p.p50 for p in f.tta_by_bucket], BLUE, "-"),
        ("acknowledge, p90", [p.p90 for p in f.tta_by_bucket], BLUE, "--"),
        ("resolve, median", [p.p50 for p in f.ttr_by_bucket], GREEN, "-"),
        ("resolve, p90", [p.p90 for p in f.ttr_by_bucket], GREEN, "--"),
    ]
    for label, values, colour, style in series:
        lines.plot(x, [_hours(v) for v in values], style, marker="o", color=colour, label=label)
    lines.set_title("Time to acknowledge and to resolve")
    lines.set_xticks(x, labels)
    lines.set_xlim(bars.get_xlim())
    lines.set_ylabel("hours")
    lines.legend(loc="upper left", fontsize=8)
    return canvas.png()


def purchases(f: PurchaseFigures, title: str, names: dict[str, str]) -> bytes:
    canvas, (bars, people) = _canvas(title)
    x = list(range(len(f.buckets)))
    labels = _labels([b.label for b in f.buckets], f.buckets[-1].partial)
    asked = [float(amount(m.minor)) for m in f.requested]
    approved = [float(amount(m.minor)) for m in f.approved]
    bars.bar([i - 0.2 for i in x], asked, width=0.4, label="requested", color=BLUE)
    bars.bar([i + 0.2 for i in x], approved, width=0.4, label="approved", color=GREEN)
    bars.set_title(f"Requested and approved, {f.currency}")
    bars.set_xticks(x, labels)
    bars.set_ylabel(f.currency)
    bars.legend(loc="upper left", fontsize=8)
    rows = f.approvers.rows
    who = [plain(names.get(a) or a) for a, _, _ in rows]
    y = list(range(len(rows)))
    people.barh(y, [a for _, a, _ in rows], color=GREEN, label="approved")
    people.barh(
        y, [r for _, _, r in rows], left=[a for _, a, _ in rows], color=RED, label="rejected"
    )
    people.set_yticks(y, who)
    people.invert_yaxis()
    more = f" (+{f.approvers.more} more)" if f.approvers.more else ""
    people.set_title(f"Decisions by approver{more}")
    people.set_xlabel("steps decided")
    if rows:
        people.legend(loc="lower right", fontsize=8)
    return canvas.png()


def resources(f: ResourceFigures, title: str) -> bytes:
    canvas, (bars, heat) = _canvas(title, rows=1, cols=2)
    shown = f.resources[:CHART_ROWS]
    y = list(range(len(shown)))
    bars.barh(y, [100 * (r.utilisation or 0) for r in shown], color=BLUE)
    bars.set_yticks(y, [plain(r.name) for r in shown])
    bars.invert_yaxis()
    bars.set_xlim(0, 100)
    bars.set_xlabel("% of available hours booked")
    more = len(f.resources) - len(shown)
    bars.set_title("Utilisation" + (f" (+{more} more)" if more > 0 else ""))
    image = heat.imshow(f.heatmap, aspect="auto", cmap="Blues", interpolation="nearest")
    heat.set_yticks(range(7), WEEKDAYS)
    heat.set_xticks(range(0, 24, 3), [f"{h:02d}" for h in range(0, 24, 3)])
    heat.set_xlabel(f"hour ({f.tz.key})")
    heat.set_title("Bookings by start")
    bar = canvas.figure.colorbar(image, ax=heat, label="bookings")
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    return canvas.png()


def oncall(f: OnCallFigures, title: str, names: dict[str, str]) -> bytes:
    canvas, (bars,) = _canvas(title, rows=1, cols=1)
    shown = f.rows[:CHART_ROWS]
    y = list(range(len(shown)))

    def label(user: str, rotation: str) -> str:
        name = plain(names.get(user) or user)
        return f"{name} ({plain(rotation)})" if f.rotations > 1 else name

    left = [0.0] * len(shown)
    for part, colour, attr in (
        ("day", BLUE, "day_h"),
        ("nights", PURPLE, "night_h"),
        ("weekends", GREY, "weekend_h"),
    ):
        widths = [getattr(r, attr) for r in shown]
        bars.barh(y, widths, left=left, height=0.6, color=colour, label=part)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for i, r in enumerate(shown):
        paged = f.pages.get(r.user, (0, 0))[0]
        note = f" {r.shifts} shifts · {r.incidents} incidents · {paged} pages"
        bars.text(left[i], i, note, va="center", fontsize=8)
    bars.set_yticks(y, [label(r.user, r.rotation) for r in shown])
    bars.set_xlabel("hours on call")
    more = len(f.rows) - len(shown)
    bars.set_title("Hours on call" + (f" (+{more} more)" if more > 0 else ""))
    bars.set_xlim(0, max(left, default=0) * 1.5 or 1)
    bars.set_ylim(max(len(shown), 4) - 0.5, -0.5)
    if shown:
        bars.legend(loc="lower right", fontsize=8)
    return canvas.png()
