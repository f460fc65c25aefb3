"""What the API tests share: a client with a token, sample documents, JSON helpers."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from engine import api_clients

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64


def token(engine: Any, name: str = "cong-dvc", **kwargs: Any) -> str:
    return api_clients.create_client(engine, name, **kwargs)[1]


def auth(tok: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {tok}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def new_key() -> str:
    return uuid.uuid4().hex


def doc(kind: str = "to_khai", content: bytes = PDF, filename: str = "tờ khai.pdf") -> dict:
    return {
        "kind": kind,
        "filename": filename,
        "content_base64": base64.b64encode(content).decode(),
    }


def submission(procedure: str = "T.000010", **extra: Any) -> dict[str, Any]:
    body = {
        "procedure_code": procedure,
        "applicant": {"full_name": "Lê Thị Hoa", "id_number": "074196012345"},
        "data": {},
        "documents": [doc()],
    }
    body.update(extra)
    return body
