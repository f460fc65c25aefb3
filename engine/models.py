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
    text,
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
        # the dashboard's period queries (engine/metrics.py): on PostgreSQL they cover the
        # columns the figures group and test, so a period is counted from the index alone
        Index(
            "ix_dossiers_received_at",
            "received_at",
            # finished_at: the dossiers the summary does not hold are told apart in the index
            postgresql_include=["agency_code", "procedure_code", "channel", "id", "finished_at"],
        ),
        Index(
            "ix_dossiers_settled_at",
            "settled_at",
            postgresql_include=["agency_code", "procedure_code", "due_at", "finished_at"],
        ),
        Index(
            "ix_dossiers_finished_at",
            "finished_at",
            postgresql_include=["agency_code", "procedure_code", "outcome", "settled_at"],
        ),
        Index(  # the dossiers still open: the dashboard's "in process" and late lists
            "ix_dossiers_open",
            "agency_code",
            "procedure_code",
            postgresql_where=text("settled_at IS NULL AND finished_at IS NULL"),
            sqlite_where=text("settled_at IS NULL AND finished_at IS NULL"),
        ),
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
    # What the portal and the citizen were last told (engine.status_events compares against it).
    notified_status: Mapped[str | None] = mapped_column(String(30))
    notified_due_at: Mapped[datetime | None]


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
        # id and dossier_id ride along (PostgreSQL INCLUDE): task-board pages stay index-only.
        Index(
            "ix_tasks_open_role",
            "state",
            "agency_code",
            "role",
            "due_at",
            postgresql_include=["dossier_id", "id"],
        ),
        # the dashboard: supplementation counts and per-step waits by period (engine/metrics*)
        Index("ix_tasks_action_completed", "action", "completed_at"),
        Index("ix_tasks_procedure_completed", "procedure_code", "completed_at"),
        Index("ix_tasks_assignee", "assignee", "state", "due_at"),  # "my tasks" by due date
        Index("ix_tasks_escalated", "state", "agency_code", "escalated_at"),  # the bell
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
    # indexed for the dashboard's reuse count (the same document in an earlier dossier)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id"), primary_key=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(80), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    # indexed for the dashboard: the links made since its summary's watermark are live
    attached_at: Mapped[datetime] = mapped_column(index=True)
    attached_by: Mapped[str] = mapped_column(String(80))


class ModelDraft(Base):
    """A designer's model in progress: kept with its lint findings until it is deployed.

    A draft with errors may be saved (work in progress) but not deployed
    (``engine.model_versions``). ``base_version_id`` is the version it was edited from, so
    the studio can show what the draft changes.
    """

    __tablename__ = "model_drafts"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    procedure_code: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(Text, default="")
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"))
    bpmn_xml: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    content_hash: Mapped[str] = mapped_column(String(64))
    findings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    forms: Mapped[dict[str, Any]] = mapped_column(default=dict)  # form id → {"schema", "ui"}
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(12), default="draft")  # draft | deployed | discarded
    note: Mapped[str] = mapped_column(Text, default="")
    saved_at: Mapped[datetime]
    saved_by: Mapped[str] = mapped_column(String(80))
    deployed_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"))


class ModelScenario(Base):
    """A saved test scenario of a procedure: the steps, data and outcome a draft must give.

    The designer studio replays every scenario of the procedure on a draft in a sandbox
    (``engine.model_sandbox``) before it is deployed.
    """

    __tablename__ = "model_scenarios"
    __table_args__ = (UniqueConstraint("procedure_code", "name"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    procedure_code: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200))
    steps: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{step, data, action}]
    applicant: Mapped[dict[str, Any]] = mapped_column(default=dict)
    form_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    expect_status: Mapped[str | None] = mapped_column(String(30))
    saved_at: Mapped[datetime]
    saved_by: Mapped[str] = mapped_column(String(80))


class DossierReuse(Base):
    """Data or a document a dossier took from a registry instead of asking the applicant.

    One row per dossier and target, written when the officer confirms a prefill
    (``Engine.record_reuse``): ``kind`` is ``document`` (a required document the registry
    holds, not asked for) or ``field`` (a form value filled from the registry). Counting
    reused documents is ``COUNT(*) WHERE kind = 'document'`` (see ``engine/reuse.py``).
    """

    __tablename__ = "dossier_reuse"
    __table_args__ = (UniqueConstraint("dossier_id", "kind", "target"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # document | field
    target: Mapped[str] = mapped_column(String(200))  # form path: documents.doc_05
    label: Mapped[str] = mapped_column(Text, default="")  # the document's title or field label
    operation: Mapped[str] = mapped_column(String(120))  # population.lookup_citizen
    reference: Mapped[str] = mapped_column(String(120), default="")  # masked key looked up
    recorded_at: Mapped[datetime] = mapped_column(index=True)
    recorded_by: Mapped[str] = mapped_column(String(80))


class Rating(Base):
    """A citizen's rating of a dossier (1–5): the satisfaction group of the dashboard's index.

    Written by the citizen pages (and by officers recording a counter survey); read by
    ``engine.metrics``. One rating per dossier: a second one replaces nothing, it is refused.
    """

    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    score: Mapped[int] = mapped_column(Integer)  # 1 (very unsatisfied) … 5 (very satisfied)
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(20), default="online")  # online | counter | sms
    rated_at: Mapped[datetime] = mapped_column(index=True)


class _MetricsCounts:
    """The summary's key and counts, shared by the per-day and the per-month tables."""

    day: Mapped[date] = mapped_column(primary_key=True)  # the month's first day in months
    agency_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    received_online: Mapped[int] = mapped_column(Integer, default=0)  # of which by channel
    received_counter: Mapped[int] = mapped_column(Integer, default=0)
    received_post: Mapped[int] = mapped_column(Integer, default=0)
    settled: Mapped[int] = mapped_column(Integer, default=0)
    settled_early: Mapped[int] = mapped_column(Integer, default=0)
    settled_late: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    digitised_dossiers: Mapped[int] = mapped_column(Integer, default=0)
    kept_documents: Mapped[int] = mapped_column(Integer, default=0)
    registry_documents: Mapped[int] = mapped_column(Integer, default=0)
    prefilled_fields: Mapped[int] = mapped_column(Integer, default=0)
    reusing_dossiers: Mapped[int] = mapped_column(Integer, default=0)
    fee_dossiers: Mapped[int] = mapped_column(Integer, default=0)
    paid_online: Mapped[int] = mapped_column(Integer, default=0)
    ratings: Mapped[int] = mapped_column(Integer, default=0)  # on the day of the rating
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    finished_unsettled: Mapped[int] = mapped_column(Integer, default=0)  # no result: "in process"
    # on the local day the step was completed with the action `supplement`
    supplement_requests: Mapped[int] = mapped_column(Integer, default=0)
    first_supplements: Mapped[int] = mapped_column(Integer, default=0)  # the dossier's first


class MetricsDay(_MetricsCounts, Base):
    """The dashboard's figures of the dossiers finished before the watermark, per local day.

    A finished dossier no longer changes, so its receipt, result and finish are counted once
    here (each on its own local day) and the period queries read these rows instead of
    rescanning history; ``engine.metrics_summary`` fills them and keeps them exact.
    """

    __tablename__ = "metrics_days"


class MetricsMonth(_MetricsCounts, Base):
    """The same figures per local month (a day's rows are sparse: a year would be ~10⁶ rows)."""

    __tablename__ = "metrics_months"


class MetricsWatermark(Base):
    """One row: dossiers finished before ``upto`` (a local midnight) are in ``metrics_days``."""

    __tablename__ = "metrics_watermark"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upto: Mapped[datetime]
    zone: Mapped[str] = mapped_column(String(64))  # the zone the days are local to
    # the summary's layout (metrics_summary.LAYOUT): another one is rebuilt by the next advance
    layout: Mapped[int] = mapped_column(Integer, default=0)


class MetricsRepeatSupplement(Base):
    """Supplement requests on ``day`` whose dossier's previous one was on an earlier day.

    "Dossiers sent back for supplementation in a period" is a distinct count, so it does not
    add up over days; it is the first requests in the period plus these repeats whose
    previous request falls before the period (``engine.metrics_summary``). Few rows: only
    dossiers sent back more than once, on different days.
    """

    __tablename__ = "metrics_repeat_supplements"
    day: Mapped[date] = mapped_column(primary_key=True)
    previous_day: Mapped[date] = mapped_column(primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)


class SavedFilter(Base):
    """A task-board filter an officer saved under a name of their own (the query string)."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("username", "name"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    name: Mapped[str] = mapped_column(String(120))
    query: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


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
    #: Last time the job was handed to the broker or picked up by a worker; the sweeper
    #: republishes a due job left untouched longer than ``sweep_grace_s`` (engine.sweeper).
    dispatched_at: Mapped[datetime | None]
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


class ApiClient(Base):
    """An integrator (the national portal, a ministry system) calling the REST API.

    Only the SHA-256 of the token's secret is kept; ``scopes`` name the operations allowed
    and ``agencies`` the agencies whose dossiers it may touch (empty: every agency).
    """

    __tablename__ = "api_clients"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    agencies: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(80))
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class IdempotencyRecord(Base):
    """The first answer to a client's write under one Idempotency-Key, replayed on retries."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("client", "key"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(String(120))  # api client name, or citizen:<id>
    key: Mapped[str] = mapped_column(String(120))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    created_at: Mapped[datetime]


class PortalOutbox(Base):
    """A dossier status change to push to the national portal, written in the step's transaction."""

    __tablename__ = "portal_outbox"
    __table_args__ = (Index("ix_portal_outbox_pending", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    event: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    ack: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class Notification(Base):
    """An email or SMS to the applicant about their dossier, kept on the dossier's record."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_pending", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    event: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))  # email | sms
    recipient: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class FeePayment(Base):
    """A fee owed on a dossier and how it was paid: the dashboard's online-payment share.

    ``state``: unpaid → pending (sent to the gateway) → paid | failed (a failed one may be
    paid later). ``channel`` is ``online`` for the gateway, ``counter`` for cash at the desk.
    """

    __tablename__ = "fee_payments"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # VND
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default="unpaid")
    channel: Mapped[str | None] = mapped_column(String(10))
    gateway_ref: Mapped[str | None] = mapped_column(String(80), unique=True)
    attempt_key: Mapped[str | None] = mapped_column(String(40))  # idempotency key of the attempt
    pay_url: Mapped[str | None] = mapped_column(Text)
    transaction_id: Mapped[str | None] = mapped_column(String(80))
    duplicate_payments: Mapped[int] = mapped_column(Integer, default=0)  # paid twice: refund
    # indexed for the dashboard: the fees raised since its summary's watermark are live
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]


class PaymentEvent(Base):
    """One signed gateway callback, kept once: a replayed callback finds its row and stops."""

    __tablename__ = "payment_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(80), unique=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("fee_payments.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(12))  # paid | failed
    effect: Mapped[str] = mapped_column(String(20))  # applied | ignored | duplicate
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime]
