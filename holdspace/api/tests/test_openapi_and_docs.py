"""The OpenAPI schema and its docs page: served from our own origin under our Content Security
Policy (no CDN, no inline script, no outside calls), open without a token, and describing the
bearer-token scheme and the two endpoints."""

import re

from django.test import Client
from django.urls import reverse


def test_the_openapi_schema_loads_and_describes_the_feed():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert set(schema["paths"]) == {"/api/v1/vitals", "/api/v1/chair"}
    post = schema["paths"]["/api/v1/vitals"]["post"]
    assert set(post["responses"]) == {"200", "201", "401", "403", "409", "422"}
    assert post["security"] == [{"FeedToken": []}]
    scheme = schema["components"]["securitySchemes"]["FeedToken"]
    assert scheme == {"type": "http", "scheme": "bearer"}
    reading = schema["components"]["schemas"]["VitalsIn"]
    assert set(reading["required"]) == {"client_id", "measured_at"}
    assert reading["additionalProperties"] is False


def test_the_docs_page_loads_its_scripts_from_our_origin_with_the_nonce():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script([^>]*)>", body)
    executable = [s for s in scripts if "application/json" not in s]
    assert len(executable) == 2
    for attributes in executable:
        assert f'nonce="{nonce}"' in attributes
        assert 'src="/api/v1/docs/' in attributes
    # No inline script, and nothing fetched from anywhere else.
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", body)
    assert "http://" not in body and "https://" not in body
    assert '"validatorUrl": null' in body


def test_the_swagger_files_are_served_from_the_installed_package():
    for name, kind in (
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-ui-init.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
    ):
        response = Client().get(reverse(f"api-v1:{name}"))
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith(kind)
        content = b"".join(response.streaming_content)
        assert len(content) > 1000
    init = Client().get(reverse("api-v1:swagger-ui-init.js"))
    assert b"swagger-settings" in b"".join(init.streaming_content)


def test_nothing_else_under_the_docs_path_is_served():
    assert Client().get("/api/v1/docs/../../settings.py").status_code == 404
    assert Client().get("/api/v1/docs/redoc.standalone.js").status_code == 404
