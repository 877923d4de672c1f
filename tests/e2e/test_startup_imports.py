"""``hub orders import`` with nothing new loads what an import needs and nothing more (issue 17).

The start-up of a scheduled import is mostly Python imports; these tests hold what the
process loads, read from the interpreter's own import trace (``PYTHONPROFILEIMPORTTIME``),
not from the clock.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hub.core.plugins import get_host
from hub.sandbox import SandboxOptions, serve

HUB = Path(sys.executable).parent / "hub"

# what other commands need (the API and console server, migrations, the scheduler, the
# sandboxes, PostgreSQL) and httpx's own command line client (rich, pygments)
NOT_LOADED = ("alembic", "fastapi", "starlette", "uvicorn", "jinja2", "rich", "pygments",
              "procrastinate", "psycopg", "hub.core.api", "hub.core.console", "hub.core.scheduler",
              "hub.core.demo", "hub.sandbox", "hub.testing")


def _loaded(trace: str) -> set[str]:
    """Module names in a ``-X importtime`` trace."""
    return {m.group(1) for m in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \| *(\S+)$", trace, re.M)}


@pytest.mark.skipif("woocommerce" not in get_host().platforms, reason="hub-woocommerce not installed")
def test_an_import_with_nothing_new_loads_no_other_commands_modules(tmp_path: Path) -> None:
    sandbox = get_host().create_sandbox("woocommerce", SandboxOptions(orders=20, seed=3))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "PYTHON"))},
           "HUB_DATA_DIR": str(tmp_path / "data")}
    with serve(sandbox.app) as base_url:
        settings = [f"--set={k}={v}" for k, v in sandbox.account_settings(base_url).items()]
        subprocess.run([str(HUB), "accounts", "add", "woocommerce", "--name", "main", *settings],
                       check=True, env=env, capture_output=True)
        first = subprocess.run([str(HUB), "orders", "import", "--account", "main"], env=env,
                               capture_output=True, text=True, timeout=120)
        assert first.returncode == 0, first.stderr
        again = subprocess.run([str(HUB), "orders", "import", "--account", "main"],
                               env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, capture_output=True,
                               text=True, timeout=120)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "main: imported 0, updated 0," in again.stderr  # messages go to stderr
    loaded = _loaded(again.stderr)
    assert "hub.core.sync.orders" in loaded and "hub_woocommerce.orders" in loaded  # the trace is read
    assert not [m for m in loaded if m.split(".")[0] in NOT_LOADED or
                any(m == p or m.startswith(p + ".") for p in NOT_LOADED)]


# the tables a run that brings nothing new reads (the overlap's orders come back unchanged:
# their products and customers are matched); every other table class stays unbuilt
READ_TABLES = {"hub_setting", "account", "sync_cursor", "lease", "sync_run", "run_item",
               "hub_order", "product", "product_link", "customer", "customer_link",
               "warehouse", "category"}  # (the last two: what account and product refer to)
# what only writing an order needs
WRITE_PATH = ("hub.core.outbound", "hub.core.sync.lifecycle", "hub.core.sync.stock",
              "hub.core.storage.order_details", "hub.core.storage.stock",
              "hub.core.storage.webhooks", "hub.core.storage.connections")
LOADED = ("import atexit, json, os, sys\n"
          "def report():\n"
          "    from sqlmodel import SQLModel\n"
          "    with open(os.environ['LOADED_REPORT'], 'w') as out:\n"
          "        json.dump({'modules': sorted(sys.modules),\n"
          "                   'tables': sorted(SQLModel.metadata.tables)}, out)\n"
          "atexit.register(report)\n"
          "import hub.cli\n"
          "sys.argv = ['hub'] + sys.argv[1:]\n"
          "hub.cli.console()\n")


@pytest.mark.skipif("woocommerce" not in get_host().platforms, reason="hub-woocommerce not installed")
def test_an_import_with_nothing_new_builds_only_the_tables_it_reads(tmp_path: Path) -> None:
    """Issue 17: the table classes and the write path load when an order is written, not
    before; the run after an edit on the store still writes through them."""
    import json

    import httpx

    sandbox = get_host().create_sandbox("woocommerce", SandboxOptions(orders=20, seed=3))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "PYTHON"))},
           "HUB_DATA_DIR": str(tmp_path / "data"), "LOADED_REPORT": str(tmp_path / "loaded.json")}
    command = [sys.executable, "-c", LOADED, "orders", "import", "--account", "main"]

    def run() -> tuple[str, dict[str, list[str]]]:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stderr, json.loads((tmp_path / "loaded.json").read_text(encoding="utf-8"))

    with serve(sandbox.app) as base_url:
        settings = sandbox.account_settings(base_url)
        subprocess.run([str(HUB), "accounts", "add", "woocommerce", "--name", "main",
                        *[f"--set={k}={v}" for k, v in settings.items()]],
                       check=True, env=env, capture_output=True)
        said, first = run()
        assert "main: imported 0," not in said and "hub.core.storage.order_details" in first["modules"]
        said, quiet = run()
        assert "main: imported 0, updated 0, unchanged " in said
        assert set(quiet["tables"]) <= READ_TABLES, set(quiet["tables"]) - READ_TABLES
        assert not [m for m in WRITE_PATH if m in quiet["modules"]]
        assert "sqlalchemy.dialects.postgresql" not in quiet["modules"]  # the database is SQLite
        listed = subprocess.run([str(HUB), "orders", "list", "--json", "--limit", "1"], env=env,
                                check=True, capture_output=True, text=True).stdout
        order_id = json.loads(listed)[0]["platform_order_id"]
        httpx.put(f"{base_url}/wp-json/wc/v3/orders/{order_id}",
                  auth=(settings["consumer_key"], settings["consumer_secret"]),
                  json={"shipping": {"address_1": "Street 1"}}).raise_for_status()
        said, edited = run()
    assert "main: imported 0, updated 1," in said
    assert "hub.core.storage.order_details" in edited["modules"]


ROOT = Path(__file__).resolve().parents[2]
REPORT = ("import atexit, gc, sys; "
          "atexit.register(lambda: print('frozen', gc.get_freeze_count(), file=sys.stderr)); "
          "import hub.cli; sys.argv[0] = 'hub'; hub.cli.{}()")


@pytest.mark.parametrize(("entry", "frozen"), [("console", True), ("main", False)])
def test_only_the_executable_skips_the_last_sweep_at_exit(entry: str, frozen: bool) -> None:
    """``hub`` (``hub.cli:console``) freezes what it loaded before the interpreter's last
    collection; ``main``, which tests and embedding processes call, leaves the collector alone."""
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["hub"] == "hub.cli:console"
    done = subprocess.run([sys.executable, "-c", REPORT.format(entry), "--help"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    count = int(done.stderr.split("frozen ")[-1])
    assert (count > 0) is frozen
