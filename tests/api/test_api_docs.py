"""/docs works offline: Swagger UI's script, stylesheet and icon come from this service."""

from __future__ import annotations

from html.parser import HTMLParser

from fastapi.testclient import TestClient


class _Assets(HTMLParser):
    """The script ``src`` and ``<link href>`` URLs of a page, and the stylesheets among them."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.links: list[str] = []
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.scripts.append(str(found["src"]))
        if tag == "link" and found.get("href"):
            self.links.append(str(found["href"]))
            if "stylesheet" in (found.get("rel") or "").split():
                self.stylesheets.append(str(found["href"]))


def test_docs_load_only_same_origin_assets_without_a_key(client: TestClient) -> None:
    bare = TestClient(client.app)  # no X-API-Key, like a browser opening /docs
    page = bare.get("/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assert "http://" not in page.text and "https://" not in page.text
    assets = _Assets()
    assets.feed(page.text)
    assert assets.scripts and assets.stylesheets
    for url in assets.scripts + assets.links:
        assert url.startswith("/") and not url.startswith("//"), url
    for url in assets.scripts + assets.stylesheets:
        served = bare.get(url)
        assert served.status_code == 200 and served.content, url
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert "http" not in policy and "*" not in policy


def test_docs_oauth2_redirect_is_served_and_redoc_is_gone(client: TestClient) -> None:
    bare = TestClient(client.app)
    assert bare.get("/docs/oauth2-redirect").status_code == 200
    assert bare.get("/redoc").status_code == 404
    assert bare.get("/docs-static/redoc.standalone.js").status_code == 404  # unused: not served
    paths = client.get("/openapi.json").json()["paths"]
    assert not any(path.startswith("/docs") for path in paths)
