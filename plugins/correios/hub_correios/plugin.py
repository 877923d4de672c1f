"""The Correios plugin's hook implementations (the module is the plugin object)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import hub
from hub import Account, AuthSession, PlatformInfo, ShipmentRef, TrackingUpdate
from hub_correios import client, codes, tracking
from hub_correios.info import BATCH, INFO

if TYPE_CHECKING:  # the sandbox (Starlette, uvicorn) loads only when asked for
    from hub.sandbox import SandboxOptions
    from hub_correios.sandbox import CorreiosSandbox


@hub.hookimpl
def platform_info() -> PlatformInfo:
    """Correios: a carrier tracking object codes (``AA123456789BR``) through SRO Rastro."""
    return INFO


@hub.hookimpl
async def authorize(account: Account, session: AuthSession) -> dict[str, Any] | None:
    """Get a first token for the postage card: proves the user, access code and card."""
    return await client.new_token(account)


@hub.hookimpl
async def refresh_credentials(account: Account, credentials: dict[str, Any]) -> dict[str, Any]:
    """A new token (the Correios have no refresh token: the access code asks again)."""
    return await client.new_token(account)


@hub.hookimpl
async def track_shipments(account: Account, shipments: list[ShipmentRef]) -> list[TrackingUpdate]:
    """Each shipment's events from SRO Rastro, 50 object codes per request."""
    updates: list[TrackingUpdate] = []
    for start in range(0, len(shipments), BATCH):
        updates += await tracking.track(account, shipments[start:start + BATCH])
    return updates


@hub.hookimpl
def check_tracking_number(account: Account, tracking_number: str) -> str | None:
    """An ``AA123456789BR`` code whose S10 check digit does not add up is refused."""
    return codes.problem(tracking_number)


@hub.hookimpl
def create_sandbox(options: SandboxOptions) -> CorreiosSandbox:
    """A local Correios API: tokens per postage card and SRO Rastro with scripted parcels."""
    from hub_correios.sandbox import CorreiosSandbox

    return CorreiosSandbox(options)
