"""OpenAPI export and import with the ``x-amazon-apigateway-*`` extensions: one name for both.

``openapi_export`` writes OpenAPI 3.0.1 from the resolved API (``resolved.py``); ``openapi_import``
reads OpenAPI 3.0 / Swagger 2.0 into a design; ``documents`` holds the bounded parser and the YAML
and JSON writers. Callers import from here.

WebSocket APIs: AWS has no OpenAPI import or export for them (facts §1), so ``export_openapi`` raises
``ExportNotSupported`` (a ``DesignError``); use the CloudFormation export for WebSocket designs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import documents
from .openapi_export import ANY_METHOD, X, ExportNotSupported, default_description, export_openapi
from .openapi_import import (
    MAX_IMPORT_BYTES,
    METHOD_KEYS,
    NOT_IN_OPENAPI,
    ImportError_,
    ImportNote,
    ImportResult,
    import_openapi,
    parse_document,
)
from .resolved import arn_region, lambda_invocation_uri

to_json = documents.to_json
dump_yaml = documents.dump_yaml


def to_yaml(doc: Mapping[str, Any]) -> str:
    return documents.dump_yaml(doc)


__all__ = [
    "ANY_METHOD", "MAX_IMPORT_BYTES", "METHOD_KEYS", "NOT_IN_OPENAPI", "X", "ExportNotSupported", "ImportError_",
    "ImportNote", "ImportResult", "arn_region", "default_description", "dump_yaml", "export_openapi",
    "import_openapi", "lambda_invocation_uri", "parse_document", "to_json", "to_yaml",
]
