"""``hub accounts authorize`` for VTEX: check the app key with a cheap call, set up the hook.

VTEX app keys are entered as settings (``app_key``, ``app_token``); nothing is
stored as credentials, so :func:`authorize` returns None. The check lists one
order (``GET /api/oms/pvt/orders?per_page=1``): VTEX answers 401 to unknown
keys and 403 to a key without the List orders role. With ``hook_url`` set, the
order hook is configured too; VTEX pings the URL first and refuses the
configuration (400) unless the hub daemon answers it.
"""

from __future__ import annotations

import logging

from hub import Account, ConfigError, PlatformError
from hub_vtex.client import VtexClient
from hub_vtex.webhooks import hook_config

log = logging.getLogger("hub.vtex.connect")


async def check_keys(client: VtexClient) -> None:
    """One cheap authenticated call; AuthError when VTEX refuses the keys."""
    await client.oms.get("api/oms/pvt/orders", params={"page": 1, "per_page": 1})


async def configure_hook(client: VtexClient) -> None:
    """``POST /api/orders/hook/config`` with the hub's URL and secret header."""
    body = hook_config(client.account)
    try:
        await client.send_json(client.oms, "POST", "api/orders/hook/config", body)
    except PlatformError as exc:
        if exc.status == 400:
            raise ConfigError(f"{client.label}: VTEX could not reach {body['hook']['url']} "
                              "(its ping must get a 200)",
                              hint="start `hub daemon` where that URL reaches it, then "
                                   f"run: hub accounts authorize {client.account.name}") from exc
        raise
    log.info("%s: order hook configured", client.label)


async def authorize(account: Account) -> None:
    """Verify the keys; configure the hook when ``hook_url`` is set. Returns None."""
    client = VtexClient(account)
    await check_keys(client)
    if account.setting("hook_url"):
        await configure_hook(client)

