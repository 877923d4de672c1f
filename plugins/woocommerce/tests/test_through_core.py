"""WooCommerce through the real core: the app-authorization flow, then an import with its keys."""

from __future__ import annotations

from pathlib import Path

from hub.sandbox import SandboxOptions
from hub.testing.harness import SandboxHarness


def test_app_authorization_flow_stores_keys_encrypted_and_imports(tmp_path: Path) -> None:
    with SandboxHarness("woocommerce", tmp_path, SandboxOptions(orders=30, seed=4)) as h:
        h.app.accounts.add("woocommerce", "fresh", {"base_url": h.base_url})
        assert h.authorize("fresh") is True  # the store posted keys to the hub's callback
        row = h.app.accounts.row("fresh")
        stored = h.app.accounts.load_credentials(row.id or 0)
        assert stored["consumer_key"].startswith("ck_") and stored["consumer_secret"].startswith("cs_")
        assert row.credentials_enc and stored["consumer_secret"] not in row.credentials_enc
        result = h.import_orders("fresh")
        assert result.error is None, result.error
        assert h.order_ids("fresh") == h.sandbox.eligible_order_ids()
