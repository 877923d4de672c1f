"""``hub daemon --listen`` binds first: a busy port is one line and exit 2, before any job."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from hub.core.app import HubApp
from hub.core.scheduler import Daemon, bind
from hub.core.storage.models import SyncRun
from hub.errors import ConfigError


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port a test socket is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        yield held.getsockname()[1]


def test_bind_names_the_busy_address_and_what_to_do(busy_port: int) -> None:
    with pytest.raises(ConfigError) as caught:
        bind("127.0.0.1", busy_port)
    assert str(caught.value) == (f"127.0.0.1:{busy_port} is in use; pass --listen HOST:PORT "
                                 "or stop the other process")
    assert caught.value.exit_code == 2


def test_the_daemon_runs_no_job_when_its_port_is_busy(app: HubApp, account: str,
                                                      busy_port: int) -> None:
    daemon = Daemon(app, listen=("127.0.0.1", busy_port), startup_jitter=0)
    with pytest.raises(ConfigError, match="is in use"):
        asyncio.run(daemon.run())
    assert not daemon.scheduler.running
    with app.db.session() as s:
        assert s.exec(select(SyncRun)).first() is None


def test_the_daemon_serves_on_the_socket_it_bound(app: HubApp) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    daemon = Daemon(app, listen=("127.0.0.1", port), rescan=3600)

    async def scenario() -> bytes:
        task = asyncio.create_task(daemon.run())
        for _ in range(400):  # until uvicorn answers on the socket the daemon bound
            if daemon.server is not None and daemon.server.started:
                break
            await asyncio.sleep(0.05)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = await reader.read()
        writer.close()
        daemon.stop()
        await asyncio.wait_for(task, 30)
        return answer

    assert asyncio.run(scenario()).startswith(b"HTTP/1.1 200")
    assert daemon.socket is not None and daemon.socket.fileno() == -1  # closed on the way out


def test_hub_daemon_on_a_busy_port_exits_2_with_one_line(tmp_path: Path, busy_port: int) -> None:
    env: dict[str, Any] = {**{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
                           "HUB_DATA_DIR": str(tmp_path / "data"),
                           "HUB_LISTEN": f"127.0.0.1:{busy_port}"}
    hub = Path(sys.executable).parent / "hub"
    done = subprocess.run([str(hub), "daemon"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"127.0.0.1:{busy_port} is in use; pass --listen HOST:PORT" in lines[0]
    assert "serving" not in done.stderr and "Traceback" not in done.stderr
