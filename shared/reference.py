"""GET /reference: the service's API reference, rendered by Swagger UI from its /openapi.json.

Swagger UI's scripts and styles come from the `swagger_ui_bundle` package (installed with the service,
served from /reference/assets), not a CDN: the page works where the service's host reaches nothing else,
and what it runs is the version pinned in constraints.txt. Neither the page nor its assets are in the
OpenAPI document. FastAPI's own /docs and /redoc (which load Swagger UI and ReDoc from a CDN) are off.
"""
from __future__ import annotations

import html
import json

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

PATH = "/reference"
ASSETS = f"{PATH}/assets"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} API reference</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{assets}/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: {spec},
      dom_id: "#swagger-ui",
      deepLinking: true,
      validatorUrl: null,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    }});
  </script>
</body>
</html>
"""


def reference_page(title: str, root_path: str, openapi_url: str) -> str:
    """The HTML of the reference page of a service whose paths start at `root_path`."""
    assets = html.escape(f"{root_path}{ASSETS}", quote=True)
    # json.dumps quotes the URL for the script; "</" cannot close the script element early.
    spec = json.dumps(f"{root_path}{openapi_url}").replace("</", "<\\/")
    return _PAGE.format(title=html.escape(title), assets=assets, spec=spec)


def install_reference(app: FastAPI) -> None:
    """GET /reference and its assets, outside the OpenAPI document."""
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="reference-assets")

    @app.get(PATH, include_in_schema=False, response_class=HTMLResponse)
    async def get_reference(request: Request) -> HTMLResponse:
        root_path = request.scope.get("root_path", "").rstrip("/")
        return HTMLResponse(reference_page(app.title, root_path, app.openapi_url or "/openapi.json"))
