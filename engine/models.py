"""The database schema: every table the engine keeps, in one place.

Workflow state sits in its own table so task lists and dossier lists never load it; task
rows are a normalised copy of the live tasks for that purpose. The audit log is
append-only (see ``engine.audit``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column

Id = BigInteger().with_variant(Integer, "sqlite")


class AwareDateTime(TypeDecorator):
    """Store UTC, always hand back timezone-aware values (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the engine stores aware times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: AwareDateTime()}


class Agency(Base):
    """A province department, district or commune: owns lanes, officers and dossier codes."""

    __tablename__ = "agencies"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)  # 000.00.06.H56
    name: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(20))  # province | district | commune | ministry
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"))
    roles: Mapped[list[Any]] = mapped_column(default=list)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]


class Procedure(Base):
    __tablename__ = "procedures"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)  # 1.001193
    name: Mapped[str] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(255))
    level: Mapped[str | None] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(10), default="partial")
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"))
    deadline_amount: Mapped[float | None] = mapped_column(Float)
    deadline_unit: Mapped[str | None] = mapped_column(String(20))
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_versions.id", use_alter=True, name="fk_procedure_current_version")
    )
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ProcessVersion(Base):
    """An immutable deployed model: running dossiers stay on the version they started on."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("procedure_code", "version"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    procedure_code: Mapped[str] = mapped_column(ForeignKey("procedures.code"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    process_id: Mapped[str] = mapped_column(String(255))
    bpmn_xml: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    spec_blob: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    lanes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    elements: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")


class CodeSequence(Base):
    """Daily counter per agency for dossier codes (agency – yymmdd – sequence)."""

    __tablename__ = "code_sequences"
    agency_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[str] = mapped_column(String(6), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Dossier(Base):
    __tablename__ = "dossiers"
    __table_args__ = (
        Index("ix_dossiers_status_due", "status", "due_at"),
        Index("ix_dossiers_agency_status", "agency_code", "status"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    procedure_code: Mapped[str] = mapped_column(ForeignKey("procedures.code"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    status: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))  # counter | online | post
    applicant: Mapped[dict[str, Any]] = mapped_column(default=dict)
    form_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    paused_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    settled_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(30))
    lock_version: Mapped[int] = mapped_column(Integer, default=0)
    step_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(80))
    parent_dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))


class WorkflowState(Base):
    __tablename__ = "workflow_states"
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    format_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime]


class TaskRow(Base):
    """A live or finished human/system task, normalised for fast task lists."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_open_role", "state", "agency_code", "role", "due_at"),
        Index("ix_tasks_assignee", "assignee", "state"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    procedure_code: Mapped[str] = mapped_column(String(20), index=True)
    agency_code: Mapped[str | None] = mapped_column(String(40))
    bpmn_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))  # user | service
    lane: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str | None] = mapped_column(String(40))
    form: Mapped[str | None] = mapped_column(String(255))
    actions: Mapped[list[Any]] = mapped_column(default=list)
    assignee: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(12))  # open | completed | cancelled
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    warn_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str | None] = mapped_column(String(20))


class AuditEvent(Base):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    task_id: Mapped[str | None] = mapped_column(String(36))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Document(Base):
    """A stored file, deduplicated by hash: one document may serve many dossiers."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(120))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime]


class DossierDocument(Base):
    __tablename__ = "dossier_documents"
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(80), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    attached_at: Mapped[datetime]
    attached_by: Mapped[str] = mapped_column(String(80))


class Message(Base):
    """A BPMN message thrown by one dossier, waiting to be delivered to another."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_pending", "state", "name"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    correlation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source_dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    target_dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    state: Mapped[str] = mapped_column(String(12), default="pending")
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class MessageWait(Base):
    """A dossier waiting for a message: where ``deliver`` looks for a recipient."""

    __tablename__ = "message_waits"
    __table_args__ = (Index("ix_message_waits_name", "name"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    correlation: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Timer(Base):
    """A moment at which ``tick`` must act on a dossier: BPMN timers and the legal clock."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "fired_at", "due_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # bpmn | step_warning | step_late | dossier_late
    task_id: Mapped[str | None] = mapped_column(String(36))
    due_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]


class CalendarDay(Base):
    """The province's exceptions to the national calendar (make-up working days, extra days off)."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(255), default="")


class ServiceJob(Base):
    """A service task to run outside the caller's transaction (the executor's outbox)."""

    __tablename__ = "service_jobs"
    __table_args__ = (Index("ix_service_jobs_state", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    operation: Mapped[str] = mapped_column(String(255))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    state: Mapped[str] = mapped_column(
        String(12), default="pending"
    )  # pending|done|failed|cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ServiceCall(Base):
    """One call to an external system, kept for the dossier's history."""

    __tablename__ = "service_calls"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("service_jobs.id"))
    operation: Mapped[str] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(12))
    duration_ms: Mapped[float] = mapped_column(Float)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]
