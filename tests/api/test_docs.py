"""``/docs`` and ``/redoc`` work offline: every asset they load is served by the hub itself."""

from __future__ import annotations

import re

from hub.core.app import HubApp
from tests.api.conftest import call

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*["']([^"']+)["']""")


def _referenced(html: str) -> list[str]:
    return [a or b for a, b in ASSET.findall(html)]


def test_docs_pages_reference_only_local_urls_that_answer(app: HubApp) -> None:
    for page in ("/docs", "/redoc"):
        response = call(app, "GET", page)
        assert response.status_code == 200
        html = response.text
        assert "cdn." not in html and "googleapis" not in html and "tiangolo" not in html
        urls = _referenced(html)
        assert urls, f"{page} references no assets"
        for url in urls:
            assert url.startswith("/"), f"{page} loads {url} from outside the hub"
            assert call(app, "GET", url).status_code == 200, url
    swagger = _referenced(call(app, "GET", "/docs").text)
    assert "/docs-assets/swagger-ui-bundle.js" in swagger and "/docs-assets/swagger-ui.css" in swagger
    assert "/openapi.json" in swagger


def test_docs_assets_are_the_real_bundles(app: HubApp) -> None:
    js = call(app, "GET", "/docs-assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and "SwaggerUIBundle" in js.text[:2000]
    assert "javascript" in js.headers["content-type"]
    assert call(app, "GET", "/docs-assets/nope.js").status_code == 404


def test_every_route_that_checks_a_role_declares_403(app: HubApp) -> None:
    from hub.core.server import create_server

    document = create_server(app).openapi()
    secured = [(path, method, op) for path, item in document["paths"].items()
               for method, op in item.items() if op.get("security")]
    assert len(secured) > 20
    missing = [f"{method.upper()} {path}" for path, method, op in secured if "403" not in op["responses"]]
    assert missing == [], missing
