"""Large backfills as a bulk operation: run, poll, stream the JSONL, reassemble.

``bulkOperationRunQuery`` exports every order matching the search (with all
its line items, no page or cost limit) to a JSONL file. The plugin polls the
operation (``node(id:)``) until it is ``COMPLETED``, then streams the file line
by line: each order is one line, each line item another, pointing at its order
with ``__parentId``. Orders are reassembled into the same shape a paged query
returns (``lineItems.nodes``) and yielded in pages, holding back only the
order whose line items may still follow, so memory stays flat.

A child whose order was already yielded (a file not grouped by parent) makes
the plugin re-fetch that order whole at the end. The result file is a signed
URL on Shopify's storage: it is fetched without the shop's token.

A run killed while its export runs leaves it running on Shopify, which
refuses a second one: the next run reuses it when it covers the window
asked for, and cancels it otherwise (:func:`start`).

Checkpoint: only the last page carries one, the operation's ``createdAt``
(the shop's clock; at most ``until``): every order modified before the export
started is in it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx

from hub import DataError, OrderPage, PlatformError, TransientError, parse_datetime, redact
from hub_shopify import queries
from hub_shopify.client import ShopifyClient, user_errors
from hub_shopify.orders import fetch_one, search

log = logging.getLogger("hub.shopify.bulk")
PAGE_SIZE = 250
START_ATTEMPTS = 5
FINISHED = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})
RUNNING = frozenset({"CREATED", "RUNNING"})
_WINDOW = re.compile(r"updated_at:>='(?P<since>[^']+)'(?: updated_at:<'(?P<until>[^']+)')?")


class BulkUnavailable(Exception):
    """The export did not complete (failed, cancelled, expired or refused); page instead."""


def poll_seconds(client: ShopifyClient) -> float:
    """The ``bulk_poll_seconds`` setting (default 2)."""
    value = client.account.setting("bulk_poll_seconds", "2") or "2"
    try:
        return max(0.0, float(value))
    except ValueError:
        return 2.0


async def start(client: ShopifyClient, since: datetime, until: datetime | None
                ) -> dict[str, Any]:
    """Start the export of ``[since, until)``, or adopt the running one a killed run left.

    Shopify runs one bulk query per app and shop. When one is in progress
    (``OPERATION_IN_PROGRESS``), it is an orphan of an earlier, killed import:
    if it exports a window covering this one it is reused (:func:`covers`);
    any other export of orders is cancelled, and this one started once it ends.
    """
    query = queries.bulk_orders(search(since, until))
    for _ in range(START_ATTEMPTS):
        # safe to resend after a 5xx: a second start meets OPERATION_IN_PROGRESS and waits
        result = await client.graphql(queries.BULK_RUN, {"query": query}, what="bulk export",
                                      idempotent=True)
        payload = result.data.get("bulkOperationRunQuery") or {}
        errors = user_errors(payload)
        operation = payload.get("bulkOperation")
        if not errors and isinstance(operation, dict):
            return operation
        codes = {e.get("code") for e in errors}
        if "OPERATION_IN_PROGRESS" not in codes:
            raise BulkUnavailable("; ".join(str(e.get("message")) for e in errors)
                                  or "no bulk operation was created")
        orphan = await current(client)
        if orphan is not None and orphan.get("status") in RUNNING | {"COMPLETED"}:
            if covers(orphan, since, until):  # running, or finished since it refused ours
                log.info("%s: reusing bulk export %s left by an earlier run",
                         client.account.label, orphan.get("id"))
                return orphan
            if orphan["status"] in RUNNING and window(str(orphan.get("query") or "")):
                await cancel(client, str(orphan["id"]))
                await wait(client, str(orphan["id"]))
                continue
        await asyncio.sleep(poll_seconds(client) or 0.1)
    raise BulkUnavailable("another bulk export of this app kept running")


async def current(client: ShopifyClient) -> dict[str, Any] | None:
    """The app's latest bulk query (``currentBulkOperation``), or None."""
    result = await client.graphql(queries.BULK_CURRENT, {}, what="current bulk export")
    node = result.data.get("currentBulkOperation")
    return node if isinstance(node, dict) else None


async def cancel(client: ShopifyClient, operation_id: str) -> None:
    """Ask Shopify to cancel an orphaned export (it ends ``CANCELED`` shortly after)."""
    log.info("%s: cancelling bulk export %s left by an earlier run", client.account.label,
             operation_id)
    result = await client.graphql(queries.BULK_CANCEL, {"id": operation_id},
                                  what="cancel bulk export", idempotent=True)
    errors = user_errors(result.data.get("bulkOperationCancel") or {})
    if errors:  # it finished meanwhile: nothing to cancel
        log.info("%s: %s", client.account.label, errors[0].get("message"))


def window(query: str) -> tuple[datetime, datetime | None] | None:
    """The ``[since, until)`` an orders export by this plugin covers; None for other queries."""
    found = _WINDOW.search(query)
    if found is None:
        return None
    since = parse_datetime(found["since"], field="bulk query")
    until = parse_datetime(found["until"], field="bulk query") if found["until"] else None
    if queries.bulk_orders(search(since, until)) != query:
        return None  # not this plugin's export (or another version's fields)
    return since, until


def covers(operation: dict[str, Any], since: datetime, until: datetime | None) -> bool:
    """Does ``operation`` export every order modified in ``[since, until)``?

    Its window must start no later and end no earlier, and it must have started
    after ``until`` (an export holds orders as they were when it started).
    """
    bounds = window(str(operation.get("query") or ""))
    if bounds is None:
        return False
    lower, upper = bounds
    if lower > since or (upper is not None and (until is None or upper < until)):
        return False
    if until is None:
        return True
    created = parse_datetime(operation.get("createdAt"), field="bulk createdAt")
    return created >= until


async def wait(client: ShopifyClient, operation_id: str) -> dict[str, Any]:
    """Poll the operation until it is finished; return its last state."""
    interval = poll_seconds(client)
    while True:
        result = await client.graphql(queries.BULK_POLL, {"id": operation_id},
                                      what="bulk export status")
        node = result.data.get("node")
        if not isinstance(node, dict):
            raise BulkUnavailable(f"bulk operation {operation_id} vanished")
        if node.get("status") in FINISHED:
            return node
        await asyncio.sleep(interval)


class Reassembler:
    """Turns JSONL records (orders, then their ``__parentId`` line items) into order payloads."""

    def __init__(self) -> None:
        self.pending: dict[str, dict[str, Any]] = {}
        self.emitted: set[str] = set()
        self.orphans: dict[str, list[dict[str, Any]]] = {}
        self.late: set[str] = set()
        self.records = 0

    def add(self, record: dict[str, Any]) -> None:
        """Take one JSONL record."""
        self.records += 1
        parent = record.pop("__parentId", None)
        if parent is None:
            order_id = str(record.get("id"))
            record["lineItems"] = {"nodes": self.orphans.pop(order_id, []),
                                   "pageInfo": {"hasNextPage": False, "endCursor": None}}
            self.pending[order_id] = record
        elif parent in self.pending:
            self.pending[parent]["lineItems"]["nodes"].append(record)
        elif parent in self.emitted:
            self.late.add(parent)
        else:
            self.orphans.setdefault(parent, []).append(record)

    def ready(self, keep_last: bool = True) -> list[dict[str, Any]]:
        """Orders that are complete: all but the latest one (or all, at the end)."""
        ids = list(self.pending)
        if keep_last:
            ids = ids[:-1]
        out = [self.pending.pop(i) for i in ids]
        self.emitted.update(ids)
        return out


async def stream(client: ShopifyClient, url: str) -> AsyncIterator[dict[str, Any]]:
    """The records of the result file at ``url``, one JSON object per line."""
    transport = client.account.runtime.transport
    try:
        async with httpx.AsyncClient(transport=transport, timeout=60.0,
                                     follow_redirects=True) as http, \
                http.stream("GET", url) as response:
            if response.status_code != 200:
                raise TransientError(f"{client.account.label}: bulk result "
                                     f"{redact(url.split('?', 1)[0])} answered {response.status_code}")
            number = 0
            async for line in response.aiter_lines():
                number += 1
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    raise DataError(f"{client.account.label}: bulk result line {number} "
                                    "is not JSON") from None
                if isinstance(record, dict):
                    yield record
    except httpx.TransportError as exc:
        raise TransientError(f"{client.account.label}: reading the bulk result failed: "
                             f"{type(exc).__name__}") from exc


async def scan(client: ShopifyClient, since: datetime, until: datetime | None
               ) -> AsyncIterator[OrderPage]:
    """Every order modified in ``[since, until)`` through one bulk export."""
    operation = await start(client, since, until)
    final = await wait(client, str(operation["id"]))
    if final.get("status") != "COMPLETED":
        raise BulkUnavailable(f"the bulk export ended {final.get('status')} "
                              f"({final.get('errorCode') or 'no error code'})")
    created = parse_datetime(final.get("createdAt") or operation.get("createdAt"),
                             field="bulk createdAt")
    checkpoint = min(created, until) if until is not None else created
    url = final.get("url")
    if not url:  # Shopify sends no file when nothing matched
        yield OrderPage(payloads=[], checkpoint=checkpoint, total=0)
        return
    total = int(final.get("objectCount") or 0) or None
    parts = Reassembler()
    async for record in stream(client, str(url)):
        parts.add(record)
        if len(parts.pending) > PAGE_SIZE:
            yield OrderPage(payloads=parts.ready())
    tail = parts.ready(keep_last=False)
    if parts.orphans:
        log.warning("%s: bulk result had %d line items without their order", client.account.label,
                    sum(len(v) for v in parts.orphans.values()))
    for order_id in sorted(parts.late):
        node = await fetch_one(client, order_id)
        if node is not None:
            tail.append(node)
    if total is not None and parts.records != total:
        raise PlatformError(f"{client.account.label}: the bulk result held {parts.records} "
                            f"records, Shopify counted {total}")
    yield OrderPage(payloads=tail, checkpoint=checkpoint)
