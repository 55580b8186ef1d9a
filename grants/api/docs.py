"""The API's documentation at /api/docs: the OpenAPI document, read as a page (drawn on the server, so it loads
nothing from elsewhere and runs no script)."""
from __future__ import annotations

from flask import Blueprint, render_template

from grants.access import public

bp = Blueprint("api_docs", __name__, url_prefix="/api/docs")
METHODS = ("get", "post", "put", "patch", "delete")


def _parameters(spec: dict, parameters: list[dict]) -> list[dict]:
    """Parameters as written out, those given by reference (the ETag headers) included."""
    shared = spec.get("components", {}).get("parameters", {})
    return [shared.get(p["$ref"].rsplit("/", 1)[-1], {}) if "$ref" in p else p for p in parameters]


def _operations(spec: dict) -> dict[str, list[dict]]:
    """The operations by tag, in the document's order."""
    found: dict[str, list[dict]] = {}
    for path, item in spec.get("paths", {}).items():
        shared = _parameters(spec, item.get("parameters", []))
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            body = operation.get("requestBody", {}).get("content", {})
            found.setdefault((operation.get("tags") or ["API"])[0], []).append({
                "method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                "description": operation.get("description", ""), "anchor": operation.get("operationId", path),
                "parameters": [*shared, *_parameters(spec, operation.get("parameters", []))],
                "body": {kind: content.get("schema") for kind, content in body.items()},
                "responses": {code: _resolved(spec, answer)
                              for code, answer in sorted(operation.get("responses", {}).items())},
                "secured": bool(operation.get("security"))})
    return found


def _resolved(spec: dict, response: dict) -> dict:
    """A response as written, or the shared one it refers to (the errors: #/components/responses/NOT_FOUND …)."""
    name = response.get("$ref", "").removeprefix("#/components/responses/")
    return spec.get("components", {}).get("responses", {}).get(name, response) if name else response


@bp.route("/")
@public
def index():
    from grants.api.core import api

    spec = api.spec.to_dict()
    schemas = {name: schema for name, schema in spec.get("components", {}).get("schemas", {}).items()
               if name != "PaginationMetadata"}  # flask-smorest's page numbers: this API pages by cursor
    return render_template("api/docs.html", spec=spec, operations=_operations(spec), schemas=schemas)
