"""The daemon's units of work, registered once, run by whichever executor is configured.

Each job is an idempotent coroutine of the hub and an account name (``None`` for
hub-wide jobs such as draining received webhooks). The daemon schedules every
registered job for every enabled account at the interval the job reads from the
account (0: the flow is off, no job); the executor then either runs it in the
daemon (:data:`~hub.core.executor.INPROCESS`, the default) or defers it to
``hub worker`` processes (procrastinate, on PostgreSQL).

Adding a new flow is one call, next to the flow's code or at the bottom of this
module::

    register_job("tickets", lambda app, name, stop: fetch_tickets(app, name, trigger="scheduled"),
                 every=lambda row, core: core.orders_interval if row.flow_tickets else 0)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.core.app import HubApp
    from hub.core.storage.models import Account as AccountRow
    from hub.settings import CoreSettings

Runner = Callable[["HubApp", "str | None", asyncio.Event], Awaitable[Any]]
"""``run(app, account_name, stop)``: ``account_name`` is None for a hub-wide job; ``stop`` is set
on shutdown (a job that can stop between pages should)."""
Interval = Callable[["AccountRow", "CoreSettings"], int]
"""Seconds between runs of a per-account job for this account; 0: none (the flow is off)."""

DEFAULT_QUEUE = "sync"


@dataclass(frozen=True)
class Job:
    flow: str
    run: Runner
    every: Interval | float
    """Per-account jobs: an :data:`Interval`; hub-wide jobs: a number of seconds."""
    hub_wide: bool = False
    queue: str = DEFAULT_QUEUE
    """The procrastinate queue (``hub worker --queues``) that runs it."""
    switch: str | None = None
    """A per-account job that runs only where this flow is switched on (``hub products flow NAME
    on``: a :class:`~hub.core.storage.catalogue.FlowSwitch` row) besides its interval."""

    def interval(self, row: AccountRow, core: CoreSettings) -> int:
        every = self.every
        return int(every(row, core)) if callable(every) else int(every)


JOBS: dict[str, Job] = {}


def register_job(flow: str, run: Runner, every: Interval | float, *, hub_wide: bool = False,
                 queue: str = DEFAULT_QUEUE, switch: str | None = None) -> Job:
    """Register the scheduled job ``flow`` (unique; a second registration replaces the first)."""
    if not flow or not flow.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"job name '{flow}' must be letters, digits, '-' or '_'")
    job = Job(flow=flow, run=run, every=every, hub_wide=hub_wide, queue=queue, switch=switch)
    JOBS[flow] = job
    return job


def per_account() -> list[Job]:
    return [job for job in JOBS.values() if not job.hub_wide]


def hub_wide() -> list[Job]:
    return [job for job in JOBS.values() if job.hub_wide]


# ---- the core's flows ----------------------------------------------------------------------------
def _orders(app: HubApp, name: str | None, stop: asyncio.Event) -> Awaitable[Any]:
    from hub.core.sync.orders import import_orders

    assert name is not None
    return import_orders(app, name, trigger="scheduled", stop=stop)


def _push(app: HubApp, name: str | None, _stop: asyncio.Event) -> Awaitable[Any]:
    from hub.core.sync.push import push_all

    assert name is not None
    return push_all(app, name, trigger="scheduled")


def _webhook_events(app: HubApp, _name: str | None, _stop: asyncio.Event) -> Awaitable[Any]:
    from hub.core.sync.webhooks import drain

    return drain(app)


def _webhook_deliveries(app: HubApp, _name: str | None, _stop: asyncio.Event) -> Awaitable[Any]:
    from hub.core.outbound import deliver_due

    return deliver_due(app)


def _tickets(app: HubApp, name: str | None, _stop: asyncio.Event) -> Awaitable[Any]:
    from hub.core.sync.tickets import import_tickets

    assert name is not None
    return import_tickets(app, name, trigger="scheduled")


def _tracking_in(app: HubApp, name: str | None, _stop: asyncio.Event) -> Awaitable[Any]:
    from hub.core.sync.tracking_in import poll_tracking

    assert name is not None
    return poll_tracking(app, name, trigger="scheduled")


def scheduled(target: str) -> Runner:
    """The job running ``module:function(app, name, trigger="scheduled")``, imported when it runs."""
    module, _, function = target.partition(":")

    def run(app: HubApp, name: str | None, _stop: asyncio.Event) -> Awaitable[Any]:
        import importlib

        assert name is not None
        result: Awaitable[Any] = getattr(importlib.import_module(module), function)(
            app, name, trigger="scheduled")
        return result

    return run


register_job("orders", _orders, lambda row, core: core.orders_interval if row.flow_orders else 0)
register_job("push", _push, lambda row, core: core.push_interval
             if row.flow_stock or row.flow_price or row.flow_tracking or row.flow_status else 0)
register_job("tickets", _tickets, lambda row, core: core.orders_interval if row.flow_tickets else 0)
register_job("tracking_in", _tracking_in,
             lambda row, core: core.tracking_interval if row.flow_tracking_in else 0)
register_job("webhook-events", _webhook_events, 15, hub_wide=True)
register_job("webhook-deliveries", _webhook_deliveries, 5, hub_wide=True)
# the catalogue flows: only where ``hub products flow`` / ``hub contacts flow`` switched them on
register_job("products", scheduled("hub.core.sync.publish:publish"),
             lambda row, core: core.catalogue_interval, switch="products")
register_job("products_in", scheduled("hub.core.sync.catalogue_in:pull_products"),
             lambda row, core: core.catalogue_in_interval, switch="products")
register_job("contacts", scheduled("hub.core.sync.contacts_out:push_contacts"),
             lambda row, core: core.catalogue_interval, switch="contacts")
register_job("contacts_in", scheduled("hub.core.sync.contacts_out:pull_contacts"),
             lambda row, core: core.catalogue_in_interval, switch="contacts")
