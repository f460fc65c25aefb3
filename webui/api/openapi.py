"""The API's OpenAPI 3.0 document, written by hand next to the routes it describes.

``tests/webui/test_api_openapi.py`` checks it against the app's URL map both ways (every
route documented, every documented path routed) and Schemathesis fuzzes the API from it.
"""

from __future__ import annotations

from typing import Any

VERSION = "1.0.0"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {  # in Vietnamese, as the API's own error messages are
        400: "Dữ liệu không hợp lệ (các trường nói rõ lỗi)",
        401: "Thiếu token, token không xác định hoặc đã bị thu hồi",
        403: "Token không có phạm vi (scope) hoặc cơ quan cần thiết",
        404: "Không có hồ sơ, thủ tục hoặc giấy tờ này",
        409: "Idempotency-Key đã dùng cho một yêu cầu khác, hoặc yêu cầu đó còn đang xử lý",
        413: "Yêu cầu quá lớn",
        429: "Vượt giới hạn số yêu cầu",
    }
    return {str(c): {"description": text[c], "content": _json(_ref("Error"))} for c in codes}


CODE = {
    "name": "code",
    "in": "path",
    "required": True,
    "description": "Dossier code, e.g. 000.00.06.H56-231027-0361",
    "schema": {"type": "string", "minLength": 1, "maxLength": 60},
}
KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "Unique per write; a retry with the same key gets the first answer",
    "schema": {"type": "string", "minLength": 1, "maxLength": 120},
}
COMMON = (400, 401, 403, 404, 409, 413, 429)

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                },
            }
        },
    },
    "Procedure": {
        "type": "object",
        "required": ["code", "name", "mode"],
        "properties": {
            "code": {"type": "string", "example": "1.001193"},
            "name": {"type": "string"},
            "field": {"type": "string", "nullable": True},
            "level": {"type": "string", "nullable": True},
            "mode": {"type": "string", "enum": ["full", "partial"]},
            "agency_code": {"type": "string", "nullable": True},
            "deadline": {"type": "object", "nullable": True},
        },
    },
    "Document": {
        "type": "object",
        "required": ["kind", "filename", "content_base64"],
        "properties": {
            "kind": {"type": "string", "pattern": "^[a-z0-9_.-]{1,80}$", "example": "to_khai"},
            "filename": {"type": "string", "maxLength": 255},
            "content_base64": {"type": "string", "description": "PDF, JPEG or PNG"},
        },
    },
    "Submission": {
        "type": "object",
        "required": ["procedure_code", "applicant"],
        "additionalProperties": False,
        "properties": {
            "procedure_code": {"type": "string", "example": "1.001193"},
            "agency_code": {"type": "string"},
            "applicant": {
                "type": "object",
                "required": ["full_name"],
                "properties": {
                    "full_name": {"type": "string", "minLength": 1},
                    "id_number": {"type": "string", "description": "12-digit personal ID"},
                    "email": {"type": "string"},
                    "phone": {"type": "string"},
                },
            },
            "data": {"type": "object", "description": "The procedure's eForm data"},
            "documents": {"type": "array", "items": _ref("Document"), "maxItems": 20},
        },
    },
    "Milestone": {
        "type": "object",
        "properties": {
            "event": {"type": "string"},
            "status": {"type": "string"},
            "at": {"type": "string", "format": "date-time", "nullable": True},
            "appointment_at": {"type": "string", "format": "date-time", "nullable": True},
        },
    },
    "DocumentInfo": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string"},
            "filename": {"type": "string"},
            "media_type": {"type": "string"},
            "size": {"type": "integer"},
            "sha256": {"type": "string"},
        },
    },
    "DossierStatus": {
        "type": "object",
        "required": ["code", "status", "received_at", "milestones"],
        "properties": {
            "code": {"type": "string"},
            "procedure_code": {"type": "string"},
            "agency_code": {"type": "string"},
            "channel": {"type": "string"},
            "status": {
                "type": "string",
                "enum": [
                    "received",
                    "in_process",
                    "supplement_requested",
                    "settled",
                    "result_returned",
                    "refused",
                    "withdrawn",
                ],
            },
            "received_at": {"type": "string", "format": "date-time"},
            "due_at": {"type": "string", "format": "date-time", "nullable": True},
            "appointment_at": {"type": "string", "format": "date-time", "nullable": True},
            "finished_at": {"type": "string", "format": "date-time", "nullable": True},
            "late": {"type": "boolean"},
            "milestones": {"type": "array", "items": _ref("Milestone")},
            "supplement_request": {"type": "object", "nullable": True},
            "documents": {"type": "array", "items": _ref("DocumentInfo")},
            "fee": {"type": "object", "nullable": True},
        },
    },
}

UPLOAD_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": _ref("Submission")},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["payload"],
                "properties": {
                    "payload": {
                        "type": "string",
                        "description": "The Submission as JSON, without documents",
                    }
                },
                "additionalProperties": {"type": "string", "format": "binary"},
                "description": "Each file part's field name is the document kind",
            }
        },
    },
}


def _status_ok(description: str, code: str = "200") -> dict[str, Any]:
    return {code: {"description": description, "content": _json(_ref("DossierStatus"))}}


PATHS: dict[str, Any] = {
    "/api/v1/openapi.json": {
        "get": {
            "summary": "This document",
            "operationId": "openapi",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3 document"}},
        }
    },
    "/api/v1/procedures": {
        "get": {
            "summary": "Procedures open to online submission",
            "operationId": "listProcedures",
            "responses": {
                "200": {
                    "description": "The procedures the client may submit to",
                    "content": _json(
                        {
                            "type": "object",
                            "properties": {
                                "procedures": {"type": "array", "items": _ref("Procedure")}
                            },
                        }
                    ),
                },
                **_errors(401, 403, 429),
            },
        }
    },
    "/api/v1/dossiers": {
        "post": {
            "summary": "Submit a dossier with its form data and documents",
            "operationId": "submitDossier",
            "parameters": [KEY],
            "requestBody": UPLOAD_BODY,
            "responses": {**_status_ok("Received", "201"), **_errors(*COMMON)},
        }
    },
    "/api/v1/dossiers/{code}": {
        "get": {
            "summary": "Status, milestones, due and appointment dates of a dossier",
            "operationId": "getDossier",
            "parameters": [CODE],
            "responses": {**_status_ok("The dossier"), **_errors(401, 403, 404, 429)},
        }
    },
    "/api/v1/dossiers/{code}/supplement": {
        "post": {
            "summary": "Answer a supplementation request with the missing documents",
            "operationId": "supplementDossier",
            "parameters": [CODE, KEY],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["documents"],
                            "properties": {
                                "note": {"type": "string", "maxLength": 2000},
                                "documents": {
                                    "type": "array",
                                    "items": _ref("Document"),
                                    "minItems": 1,
                                },
                            },
                        }
                    },
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "payload": {"type": "string", "description": '{"note": "…"}'}
                            },
                            "additionalProperties": {"type": "string", "format": "binary"},
                            "description": "Each file part's field name is the document kind",
                        }
                    },
                },
            },
            "responses": {**_status_ok("Supplemented; the clock runs again"), **_errors(*COMMON)},
        }
    },
    "/api/v1/dossiers/{code}/withdraw": {
        "post": {
            "summary": "Withdraw a dossier at the applicant's request",
            "operationId": "withdrawDossier",
            "parameters": [CODE, KEY],
            "requestBody": {
                "required": True,
                "content": _json(
                    {
                        "type": "object",
                        "required": ["reason"],
                        "properties": {"reason": {"type": "string", "minLength": 1}},
                    }
                ),
            },
            "responses": {**_status_ok("Withdrawn"), **_errors(*COMMON)},
        }
    },
    "/api/v1/dossiers/{code}/results": {
        "get": {
            "summary": "The dossier's result documents",
            "operationId": "listResults",
            "parameters": [CODE],
            "responses": {
                "200": {
                    "description": "Result documents (without content)",
                    "content": _json(
                        {
                            "type": "object",
                            "properties": {
                                "results": {"type": "array", "items": _ref("DocumentInfo")}
                            },
                        }
                    ),
                },
                **_errors(401, 403, 404, 429),
            },
        }
    },
    "/api/v1/dossiers/{code}/results/{document_id}": {
        "get": {
            "summary": "Download one result document",
            "operationId": "downloadResult",
            "parameters": [
                CODE,
                {
                    "name": "document_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0},
                },
            ],
            "responses": {
                "200": {
                    "description": "The file",
                    "content": {
                        t: {"schema": {"type": "string", "format": "binary"}}
                        for t in ("application/pdf", "image/jpeg", "image/png")
                    },
                },
                **_errors(401, 403, 404, 429),
            },
        }
    },
    "/api/v1/payments/callback": {
        "post": {
            "summary": "The payment gateway's signed callback (HMAC-SHA256 of the raw body)",
            "operationId": "paymentCallback",
            "security": [],
            "parameters": [
                {
                    "name": "X-Payment-Signature",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": _json(
                    {
                        "type": "object",
                        "required": ["event_id", "payment_id", "order_ref", "status", "amount"],
                        "properties": {
                            "event_id": {"type": "string"},
                            "payment_id": {"type": "string"},
                            "order_ref": {"type": "string"},
                            "status": {"type": "string", "enum": ["paid", "failed"]},
                            "amount": {"type": "integer"},
                            "transaction_id": {"type": "string"},
                        },
                    }
                ),
            },
            "responses": {
                "200": {
                    "description": "Applied, ignored, counted as duplicate, or a replay",
                    "content": _json(
                        {
                            "type": "object",
                            "properties": {
                                "effect": {"type": "string"},
                                "state": {"type": "string"},
                                "dossier_code": {"type": "string"},
                            },
                        }
                    ),
                },
                **_errors(400, 401, 404, 429),
            },
        }
    },
}


def spec() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "LiênThông API",
            "version": VERSION,
            "description": "Submit and follow dossiers of the one-stop centre (docs/api.md).",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "lt_<id>_<secret>"}
            },
            "schemas": SCHEMAS,
        },
    }
