"""What the Melhor Envio plugin tells the core: a carrier, its settings and what it tracks."""

from __future__ import annotations

from hub import Capability, CarrierInfo, PlatformInfo, SettingSpec

NAME = "melhorenvio"
BASE_URL = "https://melhorenvio.com.br"
SANDBOX_URL = "https://sandbox.melhorenvio.com.br"
BATCH = 20
"""Order ids per tracking request. Melhor Envio documents no maximum; 20 keeps a request small."""
CACHE_SECONDS = 3600
"""Melhor Envio answers the tracking route from a one-hour cache: asking sooner is wasted."""
ORDER_ID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
"""A Melhor Envio order (label) id: a UUID, what ``/api/v2/me/shipment/tracking`` takes."""
SCOPES = "shipping-tracking orders-read"
RATE = "1"
"""Requests a second by default: Melhor Envio publishes no limit; its API (Laravel) answers
429 ``Too Many Attempts.`` past its throttle, 60 a minute by the framework's default."""

SETTINGS = [
    SettingSpec(name="client_id", required=True,
                description="The app's Client ID (Melhor Envio > Integrações > Área Dev)."),
    SettingSpec(name="client_secret", required=True, secret=True,
                description="The app's Secret; sent only to the token endpoint."),
    SettingSpec(name="contact_email", required=True,
                description="The technical contact e-mail Melhor Envio requires in every "
                            "request's User-Agent (\"AppName (email)\")."),
    SettingSpec(name="scopes", default=SCOPES,
                description="OAuth scopes asked for, space-separated (tracking needs "
                            "shipping-tracking)."),
    SettingSpec(name="base_url", kind="url", default=BASE_URL,
                description=f"The Melhor Envio host: {BASE_URL}, or {SANDBOX_URL} for its "
                            "test environment; tests and the demo point it at the local sandbox."),
    SettingSpec(name="requests_per_second", default=RATE,
                description="Cap on requests a second to Melhor Envio for this account."),
]

INFO = PlatformInfo(
    name=NAME,
    display_name="Melhor Envio",
    capabilities=[Capability.CARRIER, Capability.OAUTH],
    settings=SETTINGS,
    carrier=CarrierInfo(
        names=["Melhor Envio", "melhorenvio", "melhor-envio"],
        tracking_formats=[ORDER_ID],
        tracking_url=None,
        batch_size=BATCH,
        min_poll_interval=CACHE_SECONDS),
)
