"""Operations: ``/healthz`` (the process answers), ``/readyz`` (it can do its work) and
``/metrics`` (Prometheus text, computed from the database at scrape time).

None of them needs an API key: point the orchestrator's probes and Prometheus
at them, and keep the port on a private network (metrics name the accounts).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import text

from hub.core import metrics
from hub.core.api.security import hub_app
from hub.core.app import HubApp

log = logging.getLogger("hub.server")
router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and answering."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "the database does not answer, or the "
                                                        "daemon's scheduler is not running"}})
async def readyz(request: Request, app: HubApp = Depends(hub_app)) -> JSONResponse:
    """The database answers and, when the daemon serves this, its scheduler is running."""
    checks: dict[str, Any] = {}
    try:
        with app.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any database failure means "not ready", never a 500
        log.warning("readiness: database unreachable: %s", type(exc).__name__)
        checks["database"] = "unreachable"
    daemon = request.app.state.daemon
    if daemon is not None:
        checks["scheduler"] = "running" if daemon.scheduler.running and \
            not daemon.stop_event.is_set() else "stopped"
    if app.config.executor == "procrastinate" and checks["database"] == "ok":
        checks["queue"] = _queue_check(app, daemon)
    ready = checks["database"] == "ok" and checks.get("scheduler", "running") == "running" and \
        checks.get("queue", {}).get("status", "ok") == "ok"
    if not ready:
        return JSONResponse({"status": "not ready", **checks}, status_code=503)
    return JSONResponse({"status": "ready", **checks})


def _queue_check(app: HubApp, daemon: Any) -> dict[str, Any]:
    """Distributed mode: waiting jobs, the oldest one's wait, live workers, whether this daemon leads."""
    from hub.core.queue import queue_stats, workers

    try:
        stats = queue_stats(app)
        alive = sum(w.alive for w in workers(app))
    except Exception as exc:  # the queue's tables are missing or unreadable: not ready
        log.warning("readiness: job queue unreadable: %s", type(exc).__name__)
        return {"status": "unreadable"}
    info: dict[str, Any] = {"status": "ok", "waiting": stats.depth, "running": stats.running,
                            "oldest_wait_seconds": round(stats.oldest_age, 1), "workers_alive": alive}
    if daemon is not None:
        info["leader"] = bool(daemon.leader_held)
    return info


@router.get("/metrics", response_class=PlainTextResponse,
            responses={200: {"content": {metrics.CONTENT_TYPE: {}},
                             "description": "Prometheus text exposition format"}})
async def metrics_text(app: HubApp = Depends(hub_app)) -> PlainTextResponse:
    """Orders, pushes, failures, webhooks in and out, and sync lag per account and flow."""
    return PlainTextResponse(metrics.render(metrics.collect(app)), media_type=metrics.CONTENT_TYPE)
