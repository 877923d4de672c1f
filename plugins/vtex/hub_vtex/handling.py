"""Start handling: move each newly imported order to ``handling`` on VTEX (setting ``start_handling``).

VTEX's ERP guide has the integration call ``POST
/api/oms/pvt/orders/{orderId}/start-handling`` once the ERP holds the order. The
hub knows an order is held only after it committed it, which the core announces
with the broadcast ``order_imported`` event. That event reaches every plugin, so
the hook implementation checks ``account.platform`` itself: legitimate for a
broadcast event (the house rule against "if not mine" checks is about platform
hooks, which the core dispatches to one plugin).

The event is synchronous and fires inside the core's event loop, so the call is
started as a task. :func:`settle` waits for an account's tasks: the order scan
awaits it after every committed page and at its end, so a CLI import returns
only once every start-handling call has finished. In the daemon, webhook imports
run on a long-lived loop and their tasks simply complete. A failed call is
logged (a 409 means the order had already moved on) and never undoes the import.
"""

from __future__ import annotations

import asyncio
import logging

from hub import Account, HubError, Order
from hub_vtex.client import VtexClient
from hub_vtex.info import NAME

log = logging.getLogger("hub.vtex.handling")
READY = "ready-for-handling"


def _pending(client: VtexClient) -> set[asyncio.Task[None]]:
    """The account's start-handling calls in flight, kept in its runtime (it lives as long as the account)."""
    tasks: set[asyncio.Task[None]] = client.account.runtime.memo("vtex").setdefault("handling", set())
    return tasks


def wanted(account: Account, order: Order, created: bool) -> bool:
    """Whether this import event should start handling on VTEX."""
    return (account.platform == NAME and created and order.status == READY
            and account.setting_bool("start_handling"))


async def start(client: VtexClient, order_id: str) -> bool:
    """Start handling one order; False (logged) when VTEX refused or failed."""
    try:
        if await client.start_handling(order_id):
            return True
        log.info("%s: order %s was no longer ready for handling", client.label, order_id)
    except HubError as exc:
        log.warning("%s: could not start handling order %s: %s", client.label, order_id, exc)
    return False


def schedule(account: Account, order: Order, created: bool) -> asyncio.Task[None] | None:
    """Start handling ``order`` in the background when the account asks for it."""
    if not wanted(account, order, created):
        return None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        log.warning("%s: order %s imported outside an event loop; handling not started",
                    account.label, order.platform_order_id)
        return None
    client = VtexClient(account)

    async def run() -> None:
        await start(client, order.platform_order_id)

    task = loop.create_task(run())
    tasks = _pending(client)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return task


async def settle(client: VtexClient) -> None:
    """Wait for the account's start-handling calls still in flight."""
    tasks = _pending(client)
    while tasks:
        await asyncio.gather(*list(tasks))
