"""Prometheus metrics, computed from the database at scrape time.

Nothing is counted in memory: every value is a grouped query over the tables
the hub keeps anyway (orders, run items, runs, the push outbox, inbound events,
outbound deliveries), so the numbers are the same whichever daemon is scraped
and survive restarts. The text exposition format (version 0.0.4) is written
here; it needs no client library.

Counters (``_total``) only grow while their history is kept (``hub runs prune``
drops old runs); the rest are gauges. One exception to "nothing in memory":
``hub_idle_runs_total`` counts the scheduled pushes that found nothing to send
and so wrote no run row; it is this process's count and starts at 0 on restart.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, func, select

from hub.core.accounts import FLOWS
from hub.core.http.faults import KINDS as FAULT_KINDS
from hub.core.storage.columns import now
from hub.core.storage.models import (
    Account,
    InboundEvent,
    Order,
    OutboxItem,
    RunItem,
    SyncRun,
    WebhookDelivery,
    WebhookSubscription,
)
from hub.core.sync.runs import idle_counts

if TYPE_CHECKING:
    from hub.core.app import HubApp

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
SUCCESS = ("ok", "partial")  # a run that got to the end (partial: some records quarantined or failed)
Labels = tuple[tuple[str, str], ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass
class Metric:
    """One metric family: name, help text, type and its samples by label set."""

    name: str
    help: str
    kind: str  # "counter" or "gauge"
    samples: dict[Labels, float] = field(default_factory=dict)

    def add(self, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        self.samples[key] = self.samples.get(key, 0) + value

    def render(self) -> str:
        lines = [f"# HELP {self.name} {self.help.replace(chr(92), chr(92) * 2).replace(chr(10), ' ')}",
                 f"# TYPE {self.name} {self.kind}"]
        for labels, value in sorted(self.samples.items()):
            text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
            lines.append(f"{self.name}{{{text}}} {_number(value)}" if text
                         else f"{self.name} {_number(value)}")
        return "\n".join(lines)


def render(metrics: Iterable[Metric]) -> str:
    """The exposition text of ``metrics`` (ending with a newline, as the format asks)."""
    return "\n".join(m.render() for m in metrics) + "\n"


def collect(app: HubApp) -> list[Metric]:
    """Every metric, read from the database now."""
    with app.db.session() as s:
        accounts = {a.id: a for a in s.exec(select(Account))}
        name = {a_id: a.name for a_id, a in accounts.items()}
        return [
            _accounts(accounts.values()),
            _orders(s, name),
            *_run_items(s, name),
            _runs(s, name),
            _recovered(s, name),
            _idle(name),
            _lag(s, accounts.values()),
            _outbox(s, name),
            _inbound(s, name),
            *_outbound(s, name),
            *_lifecycle(s, name),
            *_tickets(s, name),
            *_queue(app),
        ]


def _tickets(s: Session, name: dict[int | None, str]) -> list[Metric]:
    """Open tickets (the buyer waits for the seller) and the oldest unanswered one's age, per account."""
    from hub.core.storage.tickets import Ticket

    opened = Metric("hub_tickets_open", "tickets waiting for the seller's answer, per account "
                                        "and kind", "gauge")
    for account_id, kind, count in s.exec(
            select(Ticket.account_id, Ticket.kind, func.count()).where(Ticket.status == "open")
            .group_by(col(Ticket.account_id), col(Ticket.kind))):
        opened.add(count, account=name.get(account_id, "?"), kind=kind)
    oldest = Metric("hub_tickets_oldest_unanswered_seconds",
                    "age of the oldest buyer message not answered yet, per account", "gauge")
    moment = now()
    for account_id, since in s.exec(
            select(Ticket.account_id, func.min(Ticket.waiting_since))
            .where(col(Ticket.waiting_since).is_not(None), Ticket.status != "closed")
            .group_by(col(Ticket.account_id))):
        if since is not None:
            since = since if since.tzinfo else since.replace(tzinfo=moment.tzinfo)
            oldest.add(max((moment - since).total_seconds(), 0.0), account=name.get(account_id, "?"))
    return [opened, oldest]


def _queue(app: HubApp) -> list[Metric]:
    """Distributed mode (``HUB_EXECUTOR=procrastinate``): the job queue and its workers."""
    if app.config.executor != "procrastinate":
        return []
    from hub.core.queue import queue_stats, workers

    stats = queue_stats(app)
    jobs = Metric("hub_queue_jobs", "hub jobs in the queue, waiting or running", "gauge")
    jobs.add(stats.depth, state="waiting")
    jobs.add(stats.running, state="running")
    age = Metric("hub_queue_oldest_job_age_seconds", "how long the oldest waiting job has waited",
                 "gauge")
    age.add(round(stats.oldest_age, 3))
    alive = Metric("hub_queue_workers", "registered hub workers, by heartbeat", "gauge")
    found = workers(app)
    alive.add(sum(w.alive for w in found), state="alive")
    alive.add(sum(not w.alive for w in found), state="stalled")
    return [jobs, age, alive]


def _accounts(accounts: Iterable[Account]) -> Metric:
    metric = Metric("hub_account_up", "1 when the account is enabled and not paused, else 0", "gauge")
    for a in accounts:
        metric.add(1 if a.enabled and not a.paused_reason else 0, account=a.name, platform=a.platform)
    return metric


def _orders(s: Session, name: dict[int | None, str]) -> Metric:
    metric = Metric("hub_orders", "orders the hub holds, by account and status", "gauge")
    for account_id, status, count in s.exec(
            select(Order.account_id, Order.status, func.count())
            .group_by(col(Order.account_id), col(Order.status))):
        metric.add(count, account=name.get(account_id, "?"), status=status)
    return metric


def _run_items(s: Session, name: dict[int | None, str]) -> list[Metric]:
    """Per-record outcomes of every run: imports (imported, updated, skipped, quarantined) and
    pushes (pushed, failed)."""
    imported = Metric("hub_orders_imported_total", "orders imported for the first time", "counter")
    updated = Metric("hub_orders_updated_total", "platform changes applied to imported orders",
                     "counter")
    skipped = Metric("hub_orders_skipped_total", "orders not imported (not eligible, no lines, "
                                                 "no contact, another currency)", "counter")
    quarantined = Metric("hub_orders_quarantined_total", "payloads that could not be parsed",
                         "counter")
    pushes = Metric("hub_pushes_total", "items a platform accepted (stock, price, tracking)",
                    "counter")
    failures = Metric("hub_push_failures_total", "push attempts the platform refused or that failed",
                      "counter")
    by_outcome = {"imported": imported, "updated": updated, "skipped": skipped,
                  "quarantined": quarantined}
    for account_id, flow, outcome, count in s.exec(
            select(SyncRun.account_id, SyncRun.flow, RunItem.outcome, func.count())
            .join(SyncRun, col(SyncRun.id) == RunItem.run_id)
            .group_by(col(SyncRun.account_id), col(SyncRun.flow), col(RunItem.outcome))):
        account = name.get(account_id, "?")
        if outcome == "alert":
            continue  # counted by hub_order_alerts_total
        if flow == "orders" and outcome in by_outcome:
            by_outcome[outcome].add(count, account=account)
        elif outcome == "pushed":
            pushes.add(count, account=account, flow=flow)
        elif outcome == "failed":
            failures.add(count, account=account, flow=flow)
    return [imported, updated, skipped, quarantined, pushes, failures]


def _runs(s: Session, name: dict[int | None, str]) -> Metric:
    metric = Metric("hub_runs_total", "runs by account, flow and final status", "counter")
    for account_id, flow, status, count in s.exec(
            select(SyncRun.account_id, SyncRun.flow, SyncRun.status, func.count())
            .group_by(col(SyncRun.account_id), col(SyncRun.flow), col(SyncRun.status))):
        metric.add(count, account=name.get(account_id, "?"), flow=flow, status=status)
    return metric


def _recovered(s: Session, name: dict[int | None, str]) -> Metric:
    """Faults runs recovered from (retried 429/5xx/network errors, token refreshes, page
    drift), summed from the runs' counts."""
    metric = Metric("hub_recovered_faults_total", "faults runs recovered from, by account, flow "
                                                  "and fault (retried_429, retried_5xx, "
                                                  "retried_network, token_refreshed, page_drift)",
                    "counter")
    counts = col(SyncRun.counts)
    sums = [func.coalesce(func.sum(counts[kind].as_integer()), 0) for kind in FAULT_KINDS]
    values: list[Any]
    for account_id, flow, *values in s.exec(
            select(SyncRun.account_id, SyncRun.flow, *sums)
            .group_by(col(SyncRun.account_id), col(SyncRun.flow))):
        for kind, value in zip(FAULT_KINDS, values, strict=True):
            if value:
                metric.add(value, account=name.get(account_id, "?"), flow=flow, fault=kind)
    return metric


def _idle(name: dict[int | None, str]) -> Metric:
    metric = Metric("hub_idle_runs_total", "scheduled runs that had nothing to do and recorded no "
                                           "run row (this process, since it started)", "counter")
    for (account_id, flow), count in idle_counts().items():
        metric.add(count, account=name.get(account_id, "?"), flow=flow)
    return metric


def _lag(s: Session, accounts: Iterable[Account]) -> Metric:
    """Seconds since the last successful run of each switched-on flow of each enabled account
    (since the account was added when it never had one), so a stalled sync keeps growing."""
    metric = Metric("hub_sync_lag_seconds", "seconds since the last successful run, per account "
                                            "and switched-on flow", "gauge")
    last: dict[tuple[int | None, str], datetime | None] = {(a, f): at for a, f, at in s.exec(
        select(SyncRun.account_id, SyncRun.flow, func.max(SyncRun.finished_at))
        .where(col(SyncRun.status).in_(SUCCESS))
        .group_by(col(SyncRun.account_id), col(SyncRun.flow)))}
    moment = now()
    for a in accounts:
        if not a.enabled:
            continue
        for flow in FLOWS:
            if getattr(a, f"flow_{flow}"):
                since = last.get((a.id, flow)) or a.created_at
                metric.add(max((moment - since).total_seconds(), 0.0), account=a.name, flow=flow)
    return metric


def _outbox(s: Session, name: dict[int | None, str]) -> Metric:
    metric = Metric("hub_push_queue", "push outbox items not yet accepted, by state "
                                      "(pending, retrying, failed)", "gauge")
    for account_id, kind, status, count in s.exec(
            select(OutboxItem.account_id, OutboxItem.kind, OutboxItem.status, func.count())
            .where(OutboxItem.status != "done")
            .group_by(col(OutboxItem.account_id), col(OutboxItem.kind), col(OutboxItem.status))):
        metric.add(count, account=name.get(account_id, "?"), flow=kind, state=status)
    return metric


def _inbound(s: Session, name: dict[int | None, str]) -> Metric:
    metric = Metric("hub_webhook_events_in_total", "verified platform webhooks stored, by "
                                                   "processing state", "counter")
    for account_id, status, count in s.exec(
            select(InboundEvent.account_id, InboundEvent.status, func.count())
            .group_by(col(InboundEvent.account_id), col(InboundEvent.status))):
        metric.add(count, account=name.get(account_id, "?"), state=status)
    return metric


def _outbound(s: Session, name: dict[int | None, str]) -> list[Metric]:
    events = Metric("hub_webhook_events_out_total", "outbound webhook deliveries queued, by state "
                                                    "(pending, delivered)", "counter")
    for account_id, status, count in s.exec(
            select(WebhookDelivery.account_id, WebhookDelivery.status, func.count())
            .group_by(col(WebhookDelivery.account_id), col(WebhookDelivery.status))):
        events.add(count, account=name.get(account_id, "?"), state=status)
    failing = Metric("hub_webhook_deliveries_failing", "queued deliveries whose last attempt failed",
                     "gauge")
    for account_id, count in s.exec(
            select(WebhookDelivery.account_id, func.count())
            .where(WebhookDelivery.status == "pending", col(WebhookDelivery.attempts) > 0)
            .group_by(col(WebhookDelivery.account_id))):
        failing.add(count, account=name.get(account_id, "?"))
    subs = Metric("hub_webhook_subscription_up", "1 when the outbound subscription is enabled, 0 "
                                                 "when disabled (see hub webhooks list)", "gauge")
    for sub in s.exec(select(WebhookSubscription)):
        subs.add(1 if sub.enabled else 0, account=name.get(sub.account_id, "?"),
                 subscription=str(sub.id))
    return [events, failing, subs]


def _lifecycle(s: Session, name: dict[int | None, str]) -> list[Metric]:
    """Orders by canonical state, platform changes that need an admin, and stock waiting
    for an admin's ``hub orders restock``."""
    from hub.core.sync.lifecycle import pending_restocks

    states = Metric("hub_order_states", "orders the hub holds, by account and canonical state",
                    "gauge")
    for account_id, state, count in s.exec(
            select(Order.account_id, Order.state, func.count())
            .group_by(col(Order.account_id), col(Order.state))):
        states.add(count, account=name.get(account_id, "?"), state=state)
    alerts = Metric("hub_order_alerts_total", "platform changes that need an admin (an order "
                                              "cancelled or refunded after its stock was "
                                              "deducted)", "counter")
    for account_id, count in s.exec(
            select(RunItem.account_id, func.count()).where(RunItem.outcome == "alert")
            .group_by(col(RunItem.account_id))):
        alerts.add(count, account=name.get(account_id, "?"))
    pending = Metric("hub_restock_pending", "ended orders whose deducted stock waits for "
                                            "hub orders restock ID", "gauge")
    for account_name in name.values():
        pending.add(0, account=account_name)
    for order in pending_restocks(s):
        pending.add(1, account=name.get(order.account_id, "?"))
    return [states, alerts, pending]
