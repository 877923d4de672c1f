"""When the scheduling daemon last handed each job to the queue (distributed mode).

A restarted (or newly elected) daemon resumes every account and flow from its
last deferral instead of firing them all again at start: no schedule is lost
and none runs twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.core.storage.columns import UTCDateTime


class JobMark(SQLModel, table=True):
    __tablename__ = "job_mark"
    flow: str = Field(primary_key=True, max_length=50)
    account_id: int = Field(primary_key=True)
    """0 for a hub-wide job."""
    deferred_at: datetime = Field(sa_type=UTCDateTime)
