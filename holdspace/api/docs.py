"""The OpenAPI page at /api/v1/docs, served entirely from our own origin.

django-ninja's default Swagger page loads its scripts from a CDN unless ninja is an installed
app; our Content Security Policy (script-src 'self' + nonce) would block that, and a clinic
server must make no outside calls anyway. So the page is our own template, and the Swagger UI
files come from the django-ninja package itself (installed hash-pinned from the lock), served
by three fixed routes. Swagger UI's online validator badge is switched off: it would send the
schema to a third party.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
# name → content type. Fixed names only: nothing from the URL becomes a file path.
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-init.js": "text/javascript; charset=utf-8",
}
ASSET_MAX_AGE = 24 * 60 * 60


class LocalSwagger(DocsBase):
    """Swagger UI from our origin, configured through a JSON data block (no inline script)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
            "validatorUrl": None,
        }
        assets = {
            name.replace("-", "_").replace(".", "_"): reverse(f"{api.urls_namespace}:{name}")
            for name in ASSETS
        }
        return render(request, "api/docs.html", {"api": api, "swagger": settings, **assets})


def asset_view(name: str) -> Any:
    """A view that serves one of ``ASSETS`` (a closure per name, so no path parameter)."""
    content_type = ASSETS[name]

    def serve_asset(request: HttpRequest) -> FileResponse:
        response = FileResponse((ASSET_DIR / name).open("rb"), content_type=content_type)
        response["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}"
        return response

    serve_asset.__name__ = f"docs_asset_{name.replace('-', '_').replace('.', '_')}"
    return serve_asset
