"""docs/operator.md's table of the daemon's jobs names every job the scheduler registers."""

from __future__ import annotations

import re
from pathlib import Path

from hub.core import jobs

ROOT = Path(__file__).resolve().parents[2]


def daemon_own() -> set[str]:
    """The jobs the daemon adds itself, with a fixed id (``rescan-accounts``, ``prune-runs``)."""
    source = (ROOT / "hub" / "core" / "scheduler.py").read_text()
    return set(re.findall(r'\bid="([\w-]+)"', source))


def documented_jobs() -> set[str]:
    """The job ids in the first column of the table after "The daemon runs, in one process"."""
    page = (ROOT / "docs" / "operator.md").read_text()
    table = page.split("The daemon runs, in one process:", 1)[1].split("\n\n", 2)[1]
    names: set[str] = set()
    for line in table.splitlines():
        first = line.split("|")[1] if line.startswith("|") else ""
        names.update(re.findall(r"`([^`]+)`", first))
    return names


def test_the_operator_guide_lists_every_registered_job() -> None:
    registered = {job.flow if job.hub_wide else f"{job.flow}:NAME" for job in jobs.JOBS.values()}
    assert len(registered) >= 10  # the core's own jobs: orders, push, tickets, tracking_in, ...
    own = daemon_own()
    assert {"rescan-accounts", "prune-runs"} <= own
    documented = documented_jobs()
    missing = (registered | own) - documented
    assert not missing, f"docs/operator.md's daemon table lacks: {sorted(missing)}"
    unknown = documented - registered - own
    assert not unknown, f"docs/operator.md's daemon table names jobs nobody registers: {sorted(unknown)}"
