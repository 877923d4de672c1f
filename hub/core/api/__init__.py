"""The daemon's HTTP service, split by what each module serves.

* :mod:`.inbound`: ``POST /webhooks/{platform}/{account}`` (platform webhooks in);
* :mod:`.oauth`: ``GET|POST /oauth/{platform}/callback`` and starting an
  authorization (``POST /api/accounts/{name}/authorize``);
* :mod:`.orders`, :mod:`.inventory`, :mod:`.runs`: the back-office API under ``/api``;
* :mod:`.ops`: ``/healthz``, ``/readyz`` and ``/metrics``;
* :mod:`.security`: API-key authentication; :mod:`.errors`: errors as HTTP answers;
* :mod:`.schemas`: the request and response models (the OpenAPI document).

:func:`hub.core.server.create_server` puts them together.
"""
