"""The README's main command: ``hub demo`` as a user runs it, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HUB = Path(sys.executable).parent / "hub"


def test_demo_runs_the_whole_cycle_and_exits_0(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    data = tmp_path / "demo"
    done = subprocess.run([str(HUB), "demo", "--data-dir", str(data), "--orders", "40"],
                          capture_output=True, text=True, timeout=240, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout
    assert "account" in table and "imported" in table and f"data: {data}" in table
    lines = table.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("---")) + 1
    rows = [line.split() for line in lines[start:] if line.strip() and not line.startswith(" ")]
    names = [r[0] for r in rows if r[0].endswith(("-main", "-outlet"))]
    rows = [r for r in rows if r[0] in names]
    # two stores of the first platform (WooCommerce when installed), one of each other platform
    assert names[:2] == ["woocommerce-main", "woocommerce-outlet"]
    assert len({n.rsplit("-", 1)[0] for n in names}) == len(names) - 1
    for row in rows:
        imported, again, webhook = int(row[1]), int(row[4]), row[8]
        assert imported > 0 and again == 0 and webhook in ("202", "200"), row
        assert all(int(n) >= 1 for n in row[5:8]), row  # stock, price and tracking pushes made
    # the data is explorable with the CLI afterwards, and the two stores stay apart
    listed = subprocess.run([str(HUB), "orders", "list", "--json", "--limit", "1000"],
                            capture_output=True, text=True, timeout=60,
                            env={**env, "HUB_DATA_DIR": str(data)})
    orders = json.loads(listed.stdout)
    assert {o["account"] for o in orders} == set(names)
    assert len(orders) == sum(int(r[1]) for r in rows)
    # a second demo clears its own directory and never a foreign one
    again = subprocess.run([str(HUB), "demo", "--data-dir", str(tmp_path)], capture_output=True,
                           text=True, timeout=60, env=env)
    assert again.returncode == 2 and "was not made by hub demo" in again.stderr
