"""Charts as server-rendered SVG (no script, no chart library): orders imported per day per
store, push failures per day, and webhook lag (received to processed) per day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from markupsafe import Markup, escape
from sqlmodel import col, func, select

from hub.core import metrics
from hub.core.storage.columns import now
from hub.core.storage.models import Account, InboundEvent, Order, RunItem, SyncRun

if TYPE_CHECKING:
    from hub.core.app import HubApp

DAYS = 14
PUSH_FLOWS = ("stock", "price", "tracking", "status")
COLOURS = ("#1f6feb", "#d4a72c", "#2da44e", "#cf222e", "#8250df", "#bf3989", "#57606a")


@dataclass
class Series:
    """Bars per day, one colour per label (a store), stacked."""

    title: str
    unit: str
    days: list[date]
    values: dict[str, list[float]] = field(default_factory=dict)


def _days() -> list[date]:
    today = now().date()
    return [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]


def _day(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def collect(app: HubApp) -> list[Series]:
    """The three charts' data for the last 14 days."""
    days = _days()
    since = now() - timedelta(days=DAYS)
    index = {d: i for i, d in enumerate(days)}
    orders = Series("Orders imported per day, per store", "orders", days)
    failures = Series("Push failures per day", "failed pushes", days)
    lag = Series("Webhook lag per day (received to processed, average)", "seconds", days)
    with app.db.session() as s:
        names = {a.id: a.name for a in s.exec(select(Account))}
        for account_id, day, n in s.exec(
                select(Order.account_id, func.date(Order.imported_at), func.count())
                .where(Order.imported_at >= since)
                .group_by(col(Order.account_id), func.date(Order.imported_at))):
            _put(orders, names.get(account_id, "?"), index.get(_day(day)), n)  # type: ignore[arg-type]
        for account_id, day, n in s.exec(
                select(RunItem.account_id, func.date(RunItem.at), func.count())
                .join(SyncRun, col(SyncRun.id) == col(RunItem.run_id))
                .where(RunItem.at >= since, RunItem.outcome == "failed",
                       col(SyncRun.flow).in_(PUSH_FLOWS))
                .group_by(col(RunItem.account_id), func.date(RunItem.at))):
            _put(failures, names.get(account_id, "?"), index.get(_day(day)), n)  # type: ignore[arg-type]
        totals: dict[tuple[str, int], list[float]] = {}
        for account_id, received, processed in s.exec(
                select(InboundEvent.account_id, InboundEvent.received_at, InboundEvent.processed_at)
                .where(InboundEvent.received_at >= since,
                       col(InboundEvent.processed_at).is_not(None))):
            i = index.get(received.date())
            if i is not None and processed is not None:
                seconds = max((processed - received).total_seconds(), 0.0)
                totals.setdefault((names.get(account_id, "?"), i), []).append(seconds)
        for (name, i), spans in totals.items():
            _put(lag, name, i, sum(spans) / len(spans))
    return [orders, failures, lag]


def _put(series: Series, label: str, i: int | None, value: float) -> None:
    if i is None:
        return
    series.values.setdefault(label, [0.0] * len(series.days))[i] += float(value)


def svg(series: Series, *, width: int = 640, height: int = 220) -> Markup:
    """A stacked bar chart with a legend; ``role="img"`` and a title for screen readers."""
    left, bottom, top = 44, 28, 12
    plot_w, plot_h = width - left - 8, height - bottom - top
    stacks = [sum(v[i] for v in series.values.values()) for i in range(len(series.days))]
    peak = max(stacks, default=0.0) or 1.0
    bar = plot_w / max(len(series.days), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 22}" '
             f'role="img" aria-labelledby="t{id(series)}" class="chart">',
             f'<title id="t{id(series)}">{escape(series.title)}</title>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" '
             'stroke="#8c959f"/>',
             f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" font-size="10">'
             f'{_short(peak)}</text>',
             f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" font-size="10">0</text>']
    for i, day in enumerate(series.days):
        y = float(top + plot_h)
        for n, (label, values) in enumerate(sorted(series.values.items())):
            h = values[i] / peak * plot_h
            if h <= 0:
                continue
            y -= h
            parts.append(f'<rect x="{left + i * bar + 2:.1f}" y="{y:.1f}" width="{bar - 4:.1f}" '
                         f'height="{h:.1f}" fill="{COLOURS[n % len(COLOURS)]}"><title>'
                         f'{escape(label)} {day:%m-%d}: {_short(values[i])} {escape(series.unit)}'
                         '</title></rect>')
        if i % 2 == 0:
            parts.append(f'<text x="{left + i * bar + bar / 2:.1f}" y="{height - 10}" '
                         f'text-anchor="middle" font-size="10">{day:%m-%d}</text>')
    for n, label in enumerate(sorted(series.values)):
        x = left + n * 120
        parts.append(f'<rect x="{x}" y="{height + 6}" width="10" height="10" '
                     f'fill="{COLOURS[n % len(COLOURS)]}"/><text x="{x + 14}" y="{height + 15}" '
                     f'font-size="11">{escape(label[:16])}</text>')
    if not series.values:
        parts.append(f'<text x="{width / 2}" y="{top + plot_h / 2}" text-anchor="middle" '
                     'font-size="12">nothing in the last 14 days</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def render_all(data: list[Series]) -> list[tuple[str, Markup]]:
    return [(series.title, svg(series)) for series in data]


def lags(app: HubApp) -> dict[str, float]:
    """Seconds since the last successful run of each account's slowest switched-on flow (the
    ``hub_sync_lag_seconds`` metric, worst flow per account)."""
    with app.db.session() as s:
        accounts = list(s.exec(select(Account)))
        metric = metrics._lag(s, accounts)
    worst: dict[str, float] = {}
    for labels, value in metric.samples.items():
        name = dict(labels)["account"]
        worst[name] = max(worst.get(name, 0.0), value)
    return worst
