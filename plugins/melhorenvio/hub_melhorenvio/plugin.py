"""The Melhor Envio plugin's hook implementations (the module is the plugin object)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import hub
from hub import Account, AuthSession, PlatformInfo, ShipmentRef, TrackingUpdate
from hub_melhorenvio import client, tracking
from hub_melhorenvio.info import BATCH, INFO

if TYPE_CHECKING:  # the sandbox (Starlette, uvicorn) loads only when asked for
    from hub.sandbox import SandboxOptions
    from hub_melhorenvio.sandbox import MelhorEnvioSandbox


@hub.hookimpl
def platform_info() -> PlatformInfo:
    """Melhor Envio: a carrier tracking the labels bought through it, by order id."""
    return INFO


@hub.hookimpl
async def authorize(account: Account, session: AuthSession) -> dict[str, Any] | None:
    """OAuth2 authorization code: the user approves the app; tokens with a refresh token."""
    return await client.authorize(account, session)


@hub.hookimpl
async def refresh_credentials(account: Account, credentials: dict[str, Any]) -> dict[str, Any]:
    """Spend the refresh token for a new pair (the core calls this under its per-account lock)."""
    return await client.refresh(account, credentials)


@hub.hookimpl
async def track_shipments(account: Account, shipments: list[ShipmentRef]) -> list[TrackingUpdate]:
    """Each shipment's label lifecycle from the tracking route, 20 order ids per request."""
    updates: list[TrackingUpdate] = []
    for start in range(0, len(shipments), BATCH):
        updates += await tracking.track(account, shipments[start:start + BATCH])
    return updates


@hub.hookimpl
def create_sandbox(options: SandboxOptions) -> MelhorEnvioSandbox:
    """A local Melhor Envio: OAuth with refresh, and the tracking route with scripted labels."""
    from hub_melhorenvio.sandbox import MelhorEnvioSandbox

    return MelhorEnvioSandbox(options)
