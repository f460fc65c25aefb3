"""Scanned documents and generated letters, stored once by content and linked to dossiers.

A document is kept by its SHA-256: the same scan attached to two dossiers (a citizen's ID card
reused, "một việc một lần làm") is one row in ``documents`` and two links. What a file *is* is
decided by its first bytes, never by the name or the content type the browser claims, so an
executable renamed ``to-khai.pdf`` is refused. Every attachment is written to the audit log.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import audit
from .errors import InvalidInput, NotFound
from .models import Document, DossierDocument
from .numbers_vi import grouped

if TYPE_CHECKING:
    from .runtime import Engine

#: Leading bytes of the file types a counter accepts, and the media type each one proves.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
KIND = re.compile(r"^[a-z0-9_.-]{1,80}$")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


@dataclass(frozen=True)
class DocumentInfo:
    """A document as a dossier sees it: what it is, under which name, who attached it."""

    id: int
    sha256: str
    size: int
    media_type: str
    kind: str
    filename: str
    attached_at: datetime
    attached_by: str


def sniff(content: bytes) -> str | None:
    """Return the media type the content proves by its signature, or None."""
    for magic, media_type in SIGNATURES:
        if content.startswith(magic):
            if media_type == "application/pdf" and b"%%EOF" not in content[-2048:]:
                return None  # a PDF header glued onto something else
            return media_type
    return None


def safe_filename(name: str | None, media_type: str) -> str:
    """Keep only the last path component of a client's file name, without control characters.

    The name is only ever shown and offered back as a download name; files are stored by hash,
    so ``../../etc/passwd`` can never reach the disk, but it should not reach a page either.
    """
    raw = unicodedata.normalize("NFC", str(name or ""))
    base = re.split(r"[\\/]", raw)[-1]
    base = _UNSAFE_NAME.sub("", base).strip().lstrip(".").strip()
    base = base[:200] or "tai-lieu"
    stem, dot, ext = base.rpartition(".")
    wanted = EXTENSIONS.get(media_type, "")
    if not dot or f".{ext.lower()}" not in (wanted, ".jpeg" if wanted == ".jpg" else wanted):
        base = f"{base}{wanted}"
    return base


class Documents:
    def attach_document(
        self: Engine,
        dossier_ref: str | int,
        content: bytes,
        *,
        filename: str | None,
        kind: str,
        actor: str,
    ) -> DocumentInfo:
        """Store ``content`` once by hash and link it to the dossier as ``kind``.

        Refuses (``InvalidInput``) empty, oversized and unrecognised files before anything is
        written; attaching the same file twice under the same kind changes nothing.
        """
        if not isinstance(kind, str) or not KIND.match(kind):
            raise InvalidInput(f"loại giấy tờ {kind!r} không hợp lệ", {"kind": ["không hợp lệ"]})
        limit = self.settings.max_upload_bytes
        if not content:
            raise InvalidInput("tệp rỗng, không có nội dung", {"file": ["Tệp rỗng"]})
        if len(content) > limit:
            raise InvalidInput(
                f"tệp có dung lượng {grouped(len(content))} byte, "
                f"vượt mức cho phép {grouped(limit)} byte",
                {"file": [f"Tệp vượt quá dung lượng cho phép ({limit // 1_000_000} MB)"]},
            )
        media_type = sniff(content)
        if media_type is None:
            raise InvalidInput(
                "tệp không phải tài liệu PDF, JPEG hoặc PNG",
                {"file": ["Chỉ nhận tệp PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp)"]},
            )
        name = safe_filename(filename, media_type)
        digest = hashlib.sha256(content).hexdigest()
        now = self.clock.now()
        with self.db.write() as s:
            dossier = self._find_dossier(s, dossier_ref)
            doc = self._document_row(s, digest, content, media_type, now)
            link = s.get(DossierDocument, (dossier.id, doc.id, kind))
            if link is None:
                link = DossierDocument(
                    dossier_id=dossier.id,
                    document_id=doc.id,
                    kind=kind,
                    filename=name,
                    attached_at=now,
                    attached_by=actor,
                )
                s.add(link)
                audit.record(
                    s,
                    at=now,
                    actor=actor,
                    action="attach_document",
                    dossier_id=dossier.id,
                    kind=kind,
                    filename=name,
                    sha256=digest,
                    size=len(content),
                    media_type=media_type,
                )
            return _info(doc, link)

    def dossier_documents(self: Engine, dossier_id: int) -> list[DocumentInfo]:
        """List a dossier's documents (without their content), oldest first."""
        with self.db.read() as s:
            rows = s.execute(
                select(Document, DossierDocument)
                .join(DossierDocument, DossierDocument.document_id == Document.id)
                .where(DossierDocument.dossier_id == dossier_id)
                .order_by(DossierDocument.attached_at, Document.id)
            ).all()
            return [_info(doc, link) for doc, link in rows]

    def document_content(self: Engine, dossier_id: int, document_id: int) -> bytes:
        """Return a document's bytes, only through a dossier it is attached to."""
        with self.db.read() as s:
            linked = s.execute(
                select(DossierDocument.document_id).where(
                    DossierDocument.dossier_id == dossier_id,
                    DossierDocument.document_id == document_id,
                )
            ).first()
            doc = s.get(Document, document_id) if linked else None
            if doc is None:
                raise NotFound(f"hồ sơ (số {dossier_id}) không có giấy tờ số {document_id}")
            return doc.content

    def _document_row(
        self: Engine, s: object, digest: str, content: bytes, media_type: str, now: datetime
    ) -> Document:
        existing = s.execute(select(Document).where(Document.sha256 == digest)).scalar_one_or_none()
        if existing is not None:
            return existing
        doc = Document(
            sha256=digest, size=len(content), media_type=media_type, content=content, created_at=now
        )
        try:
            with s.begin_nested():
                s.add(doc)
                s.flush()
        except IntegrityError:  # stored by a concurrent upload of the same file
            return s.execute(select(Document).where(Document.sha256 == digest)).scalar_one()
        return doc


def _info(doc: Document, link: DossierDocument) -> DocumentInfo:
    return DocumentInfo(
        id=doc.id,
        sha256=doc.sha256,
        size=doc.size,
        media_type=doc.media_type,
        kind=link.kind,
        filename=link.filename,
        attached_at=link.attached_at,
        attached_by=link.attached_by,
    )
