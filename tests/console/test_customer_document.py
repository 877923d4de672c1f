"""The console's order page shows the buyer's tax document when the customer has one."""

from __future__ import annotations

from sqlmodel import select

from hub.core.app import HubApp
from hub.core.storage.models import Order
from tests.api.conftest import import_all
from tests.console.conftest import signed_in
from tests.fakeplatform import FakePlatform, make_order


def test_the_order_page_shows_the_document(app: HubApp, account: str, fake: FakePlatform,
                                           people: dict[str, str]) -> None:
    with_document = make_order(1)
    with_document["buyer"]["document"] = "12.345.678/0001-95"
    fake.add(with_document, make_order(2))
    import_all(app)
    with app.db.session() as s:
        ids = {o.platform_order_id: o.id for o in s.exec(select(Order))}
    web = signed_in(app, people["viewer"])
    try:
        assert "document 12345678000195" in web.get(f"/orders/{ids['1']}").text
        assert "document" not in web.get(f"/orders/{ids['2']}").text.split("<dt>Customer</dt>")[1] \
            .split("</dd>")[0]
    finally:
        web.close()
