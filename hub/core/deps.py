"""What the core's services need from the application, as a protocol.

:class:`~hub.core.app.HubApp` satisfies it; services such as
:class:`~hub.core.accounts.AccountService` depend on this protocol instead of
importing the app, so ``app`` -> ``accounts`` is the only import direction.
"""

from __future__ import annotations

from typing import Protocol

import httpx

from hub.core.http.retry import RetryPolicy
from hub.core.plugins import PluginHost
from hub.core.secrets import SecretBox
from hub.core.storage.db import Database


class CoreServices(Protocol):
    """The database, the secret box, the plugin host and the HTTP settings of live accounts."""

    @property
    def db(self) -> Database: ...

    @property
    def box(self) -> SecretBox: ...

    @property
    def host(self) -> PluginHost: ...

    retry_policy: RetryPolicy | None
    transport: httpx.AsyncBaseTransport | None
