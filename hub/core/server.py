"""The daemon's HTTP service (FastAPI): webhooks in, OAuth callbacks, the back-office API,
health and metrics. Its OpenAPI document is at ``/openapi.json`` (browsable at ``/docs``).

=========================================  ====================================================
route                                      what
=========================================  ====================================================
``POST /webhooks/{platform}/{account}``    platform webhooks in (verified by the plugin)
``GET|POST /oauth/{platform}/callback``    the platform's redirect after an authorization
``/api/...``                               back-office API (``Authorization: Bearer <key>``)
``GET /healthz``, ``/readyz``              the process is up; database (and scheduler) ready
``GET /metrics``                           Prometheus text
``GET /docs``, ``/redoc``                  the API's documentation (assets served locally)
``GET /``, ``/accounts``, ``/orders`` ...  the operator console (:mod:`hub.core.console`)
=========================================  ====================================================

The routes live in :mod:`hub.core.api`; this module assembles them.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from hub.core.api import (
    connections,
    docs,
    errors,
    inbound,
    inventory,
    invoices,
    oauth,
    ops,
    orders,
    runs,
    shipments,
)
from hub.errors import ConfigError

if TYPE_CHECKING:
    from hub.core.app import HubApp

ENV_PUBLIC_URL = "HUB_PUBLIC_URL"
DEFAULT_LISTEN = ("127.0.0.1", 8765)


def public_url(listen: tuple[str, int] | None = None) -> str:
    """Where browsers and platforms reach this daemon: ``HUB_PUBLIC_URL``, else the listen address."""
    configured = os.environ.get(ENV_PUBLIC_URL, "").strip()
    if configured:
        if not configured.startswith(("http://", "https://")) or len(configured) < 10:
            raise ConfigError(f"{ENV_PUBLIC_URL} must be an http(s) URL such as "
                              f"https://hub.example.com, got '{configured}'")
        return configured.rstrip("/")
    host, port = listen or DEFAULT_LISTEN
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def create_server(app: HubApp, *, daemon: Any = None, base_url: str | None = None) -> FastAPI:
    """The ASGI app serving ``app``.

    :param daemon: the :class:`~hub.core.scheduler.Daemon` serving it, if any (``/readyz``
        then also checks its scheduler, and the public URL defaults to its listen address).
    :param base_url: the public URL (default: ``HUB_PUBLIC_URL``, else the listen address).
    """
    from hub import __version__

    api = FastAPI(title="hub", version=__version__,
                  description="The hub daemon's HTTP service: platform webhooks and OAuth "
                              "callbacks in, the back-office API, health and metrics.",
                  docs_url=None, redoc_url=None)  # served by hub.core.api.docs, without a CDN
    api.state.hub = app
    api.state.daemon = daemon
    api.state.authorizations = oauth.Authorizations(
        app, base_url or public_url(getattr(daemon, "listen", None)))
    errors.install(api)
    docs.install(api)
    for router in (inbound.router, oauth.callback_router, oauth.api_router, orders.router,
                   inventory.router, runs.router, shipments.router, ops.router, invoices.router,
                   connections.router, connections.orders_router):
        api.include_router(router)
    from hub.core.api import tickets

    api.include_router(tickets.router)
    from hub.core.api import catalogue  # catalogue out (issue 20)

    api.include_router(catalogue.router)
    from hub.core.api import access, security  # users and roles (issue 24)

    security.install(api)
    api.include_router(access.router)
    security.declare_forbidden(api)
    from hub.core import console  # the operator console at / (issue 24)

    console.install(api)
    return api
