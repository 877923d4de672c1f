"""Canonical support tickets: buyers' questions, post-sale messages, claims and returns.

The contract between the core and a platform plugin for post-sale service
(SAC). A plugin turns the platform's questions, message threads and claims
into :class:`Ticket` objects (``parse_ticket``) and sends a :class:`TicketReply`
(``reply_ticket``). The core keeps one copy per (account, ``platform_ticket_id``),
and replies only to tickets it first downloaded from the channel.

Every datetime is timezone-aware (a naive one is rejected at construction).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=False, extra="forbid")


class TicketKind(StrEnum):
    """What a buyer opened."""

    QUESTION = "question"
    """A pre-sale question on a listing (no order yet)."""
    MESSAGE = "message"
    """A post-sale message thread about an order."""
    CLAIM = "claim"
    """A claim or dispute about an order (the platform may mediate)."""
    RETURN = "return"
    """A return request."""


class TicketStatus(StrEnum):
    """Where a ticket stands, from the seller's side."""

    OPEN = "open"
    """The buyer waits for the seller: a question or message not answered yet."""
    ANSWERED = "answered"
    """The seller answered last."""
    WAITING = "waiting"
    """Waiting on the buyer (or the platform's mediator), not on the seller."""
    CLOSED = "closed"
    """Closed on the platform: nothing more can be sent."""


class TicketAuthor(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    PLATFORM = "platform"
    """The marketplace itself (a mediator, an automatic notice)."""


class TicketMessage(_Model):
    """One message of a ticket's conversation.

    ``platform_message_id`` identifies it on the platform (a question's answer
    may use ``<question id>:answer``); ``status`` is the platform's moderation
    state when it has one (``available``, ``moderated``, ``rejected``...).
    """

    platform_message_id: str
    author: TicketAuthor
    at: AwareDatetime
    text: str
    attachments: list[str] = Field(default_factory=list)
    """Attachment URLs (the hub stores links, never the files)."""
    status: str | None = None


class TicketBuyer(_Model):
    """Who opened the ticket: the platform's user id and what it shows of them."""

    platform_id: str | None = None
    name: str | None = None


class Ticket(_Model):
    """A support ticket in canonical form.

    ``platform_ticket_id`` is the key the hub deduplicates on, per account; it
    must be unique across the platform's kinds (prefix it: ``question:123``,
    ``pack:456``, ``claim:789``). ``order_id`` is the platform order id the
    ticket is about (as in :attr:`hub.Order.platform_order_id`), when it has one;
    ``subject`` names what it is about (a listing title, a claim reason).
    ``deadline`` is the platform's due date for the seller's next action, when
    it sets one (claims); ``stage`` the platform's own phase (``claim``,
    ``dispute``...). ``can_reply`` is False when the platform accepts no reply
    (a blocked conversation, a claim in mediation).
    """

    platform_ticket_id: str
    kind: TicketKind
    status: TicketStatus
    created_at: AwareDatetime
    updated_at: AwareDatetime
    order_id: str | None = None
    buyer: TicketBuyer | None = None
    subject: str | None = None
    stage: str | None = None
    deadline: AwareDatetime | None = None
    can_reply: bool = True
    messages: list[TicketMessage] = Field(default_factory=list)
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    def last_from(self, author: TicketAuthor) -> TicketMessage | None:
        """The newest message by ``author``, or None."""
        mine = [m for m in self.messages if m.author == author]
        return max(mine, key=lambda m: m.at) if mine else None


class TicketPage(_Model):
    """One page of raw ticket payloads from ``fetch_tickets``.

    The same promise as :class:`hub.OrderPage`: ``checkpoint`` says every ticket
    changed before it has been delivered in this page or an earlier one, and
    the core saves it as the account's tickets cursor only after the page is
    committed (``None``: no safe point yet).
    """

    payloads: list[dict[str, Any]]
    checkpoint: AwareDatetime | None = None
    total: int | None = None


class TicketReply(_Model):
    """A reply the hub sends on a ticket: text, and attachment URLs where the platform takes them."""

    text: str = Field(min_length=1)
    attachments: list[str] = Field(default_factory=list)
