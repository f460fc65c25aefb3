"""The engine's public face: what the web app, the CLI and the workers call.

Every method that changes a dossier is one step (see ``engine.steps``); queries read the
normalised rows and never deserialise a workflow.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import String, bindparam, func, select, update

from . import audit, metrics_summary  # noqa: F401  (the summary's flush hook)
from .accounts import Accounts
from .analysis import DossierAnalysis
from .calendar import WorkCalendar
from .clock import Clock, SystemClock
from .codes import next_dossier_code
from .data_access import DataAccessLog
from .db import Database
from .directory import Directory
from .errors import (
    InvalidInput,
    NotAllowed,
    NotFound,
    TaskNotReady,
    UnknownProcedure,
)
from .executor import Executor, make_executor
from .lane_agencies import LaneAgencies
from .lifecycle import SUPPLEMENT_TASKS, Lifecycle
from .messages import Messages
from .model_parser import parse_model
from .models import (
    Agency,
    CalendarDay,
    Dossier,
    Procedure,
    ProcessVersion,
    ServiceJob,
    TaskRow,
    Timer,
    User,
)
from .officer_desk import OfficerDesk
from .online import STATUS_VI
from .public_status import PublicLookup
from .queries import Queries
from .reuse import Reuse
from .script_engine import LienThongScriptEngine
from .service_jobs import ServiceJobs
from .settings import Settings, load
from .specs import ModelCache, elements_to_json, lanes_to_json, spec_blob_for
from .step_writes import insert_new
from .steps import StepContext, finish_step, remember, run_step
from .task_actions import TaskActions
from .ticks import Ticks
from .workflow_cache import WorkflowCache

CHANNELS = ("counter", "online", "post")
SYSTEM = "system"


class Engine(
    TaskActions,
    Queries,
    Ticks,
    ServiceJobs,
    Messages,
    Accounts,
    DataAccessLog,
    Directory,
    PublicLookup,
    OfficerDesk,
    LaneAgencies,
    DossierAnalysis,
    Reuse,
):
    """A LiênThông engine bound to one database, clock and calendar."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        database: Database | None = None,
        calendar: WorkCalendar | None = None,
        service_caller: Callable[..., Any] | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.settings = settings or load()
        self.db = database or Database(self.settings.database_url)
        self.clock = clock or SystemClock()
        self.models = ModelCache()
        self.workflows = WorkflowCache(self.settings.workflow_cache_size)
        self.lifecycle = Lifecycle()
        self._calendar = calendar
        self._service_caller = service_caller
        self._prepared: dict[UUID, Any] = {}
        self._prepared_lock = threading.Lock()
        self.executor = executor or make_executor(self.settings)
        self.script_engine = LienThongScriptEngine(
            service_handler=self._prepared_result,
            functions={"working_days": self._working_days_from_now},
            clock=self._step_now,
        )

    # -- setup ---------------------------------------------------------------------
    @property
    def calendar(self) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = self.load_calendar()
        return self._calendar

    def load_calendar(self) -> WorkCalendar:
        """Build the calendar from the settings' YAML file and the province's table."""
        base = {}
        if self.settings.calendar_file:
            base = dict(WorkCalendar.from_yaml(self.settings.calendar_file).as_mapping())
        try:
            with self.db.read() as s:
                rows = list(s.execute(select(CalendarDay)).scalars())
        except Exception:  # table missing before the first migration
            rows = []
        off = set(base.get("extra_days_off", ())) | {r.day for r in rows if not r.working}
        work = set(base.get("extra_working_days", ())) | {r.day for r in rows if r.working}
        return WorkCalendar(extra_days_off=off, extra_working_days=work)

    def create_schema(self) -> None:
        self.db.create_all()

    def ensure_agency(
        self, code: str, name: str, level: str = "province", parent_code: str | None = None
    ) -> None:
        with self.db.write() as s:
            if s.get(Agency, code) is None:
                s.add(Agency(code=code, name=name, level=level, parent_code=parent_code))

    def ensure_user(
        self, username: str, full_name: str, agency_code: str | None, roles: list[str]
    ) -> None:
        with self.db.write() as s:
            user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
            if user is None:
                s.add(
                    User(
                        username=username,
                        full_name=full_name,
                        agency_code=agency_code,
                        roles=list(roles),
                    )
                )
            else:
                user.roles, user.agency_code, user.full_name = list(roles), agency_code, full_name

    # -- models --------------------------------------------------------------------
    def deploy(
        self,
        code: str,
        bpmn: bytes,
        *,
        name: str | None = None,
        agency_code: str | None = None,
        deadline: tuple[float, str] | None = None,
        mode: str | None = None,
        field: str | None = None,
        level: str | None = None,
        actor: str = SYSTEM,
        note: str = "",
        process_id: str | None = None,
    ) -> ProcessVersion:
        """Deploy a model version for a procedure; new dossiers use it, running ones keep theirs.

        The procedure's name, agency, deadline, online level (`mode`), field and level are set
        when given and kept when None, so a later version does not undo what the first (often
        from the catalogue) said; a new procedure is partly online unless told otherwise.
        """
        now = self.clock.now()
        if deadline is not None:
            self._check_deadline(deadline, now)
        parsed = parse_model(bpmn, process_id=process_id, max_bytes=self.settings.max_bpmn_bytes)
        with self.db.write() as s:
            proc = s.get(Procedure, code)
            if proc is None:
                if name is None:
                    raise InvalidInput(f"thủ tục mới {code} cần có tên")
                proc = Procedure(code=code, name=name, mode=mode or "partial", meta={})
                s.add(proc)
            for attr, value in (
                ("name", name),
                ("agency_code", agency_code),
                ("field", field),
                ("level", level),
                ("mode", mode),
            ):
                if value is not None:
                    setattr(proc, attr, value)
            if deadline is not None:
                proc.deadline_amount, proc.deadline_unit = deadline
            s.flush()
            current = (
                s.get(ProcessVersion, proc.current_version_id) if proc.current_version_id else None
            )
            if current is not None and current.content_hash == parsed.content_hash:
                return current
            last = s.execute(
                select(ProcessVersion.version)
                .where(ProcessVersion.procedure_code == code)
                .order_by(ProcessVersion.version.desc())
                .limit(1)
            ).scalar_one_or_none()
            version = ProcessVersion(
                procedure_code=code,
                version=(last or 0) + 1,
                content_hash=parsed.content_hash,
                process_id=parsed.process_id,
                bpmn_xml=bytes(bpmn),
                spec_blob=spec_blob_for(parsed),
                lanes=lanes_to_json(parsed.lanes),
                elements=elements_to_json(parsed.elements),
                created_at=now,
                created_by=actor,
                note=note,
            )
            s.add(version)
            s.flush()
            proc.current_version_id = version.id
            audit.record(
                s,
                at=now,
                actor=actor,
                action="deploy",
                procedure=code,
                version=version.version,
                content_hash=parsed.content_hash,
                note=note,
            )
        self.models.put_parsed(parsed)
        return version

    def _check_deadline(self, deadline: Any, now: datetime) -> None:
        """Refuse at deploy a deadline every later submission would fail on."""
        try:
            amount, unit = deadline
        except (TypeError, ValueError):
            raise InvalidInput("thời hạn phải gồm (số lượng, đơn vị)") from None
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            raise InvalidInput(
                f"số lượng thời hạn {amount!r} không phải là số", {"deadline": ["không phải là số"]}
            )
        self.calendar.due_date(now, amount, unit)  # CalendarError is an InvalidInput

    # -- dossiers ------------------------------------------------------------------
    def submit(
        self,
        procedure_code: str,
        *,
        applicant: dict[str, Any],
        data: dict[str, Any] | None = None,
        channel: str = "counter",
        agency_code: str | None = None,
        actor: str = SYSTEM,
        received_at: datetime | None = None,
    ) -> Dossier:
        """Receive a dossier: give it a national code, its legal due date and its first tasks."""
        if channel not in CHANNELS:
            raise InvalidInput(
                f"kênh nộp hồ sơ không hợp lệ: {channel!r}",
                {"channel": [f"một trong {', '.join(CHANNELS)}"]},
            )
        if not isinstance(applicant, dict) or not str(applicant.get("full_name", "")).strip():
            raise InvalidInput("cần họ tên người nộp hồ sơ", {"applicant.full_name": ["required"]})
        if data is not None and not isinstance(data, dict):
            raise InvalidInput(
                "dữ liệu hồ sơ phải là một đối tượng JSON", {"data": ["không phải đối tượng"]}
            )
        now = received_at or self.clock.now()
        data = dict(data or {})
        with self.db.write() as s:
            found = s.execute(
                _SUBMIT_LOOKUP,
                {
                    "procedure": procedure_code,
                    "agency": agency_code,
                    "default_agency": self.settings.default_agency,
                },
            ).first()
            proc = found[0] if found is not None else None
            if proc is None or proc.current_version_id is None:
                raise UnknownProcedure(f"thủ tục {procedure_code} chưa được triển khai")
            if proc.mode == "info":
                raise InvalidInput(
                    f"thủ tục {procedure_code} chỉ cung cấp thông tin, không nhận hồ sơ"
                )
            agency = agency_code or proc.agency_code or self.settings.default_agency
            if found.agency_known is None:
                raise InvalidInput(f"không có cơ quan {agency}", {"agency_code": ["không tồn tại"]})
            model = self.models.get_by_key(s, proc.current_version_id, found[1], found[2])
            due = None
            if proc.deadline_amount is not None:
                due = self.calendar.due_date(
                    now, proc.deadline_amount, proc.deadline_unit or "working_days"
                )
            dossier = Dossier(
                code=next_dossier_code(s, agency, now),
                procedure_code=proc.code,
                version_id=proc.current_version_id,
                agency_code=agency,
                status="received",
                channel=channel,
                applicant=applicant,
                form_data=data,
                received_at=now,
                due_at=due,
                paused_seconds=0.0,
                late=False,
                lock_version=1,  # the submit is its first step (written with the INSERT)
                step_count=0,
                created_by=actor,
            )
            insert_new(s, dossier)
            from SpiffWorkflow.bpmn import BpmnWorkflow

            workflow = BpmnWorkflow(
                model.spec, model.subprocess_specs, script_engine=self.script_engine
            )
            workflow.task_tree.data.update(self._base_data(dossier), applicant=applicant, form=data)
            ctx = StepContext(self, s, dossier, proc, model, workflow, actor, now)
            if due is not None:
                ctx.add_timer("dossier_late", due)
            ctx.audit(
                "submit", to_state="received", channel=channel, due=due.isoformat() if due else None
            )
            from .clock import ManualClock, using

            with using(ManualClock(now)):
                ctx.advance()
            finish_step(ctx, new=True)
        remember(ctx)
        for callback in ctx.after_commit:
            callback()
        return dossier

    def _base_data(self, d: Dossier) -> dict[str, Any]:
        return {"dossier_code": d.code, "dossier_due": d.due_at.isoformat() if d.due_at else None}

    def dossier(self, ref: str | int) -> Dossier:
        with self.db.read() as s:
            return self._find_dossier(s, ref)

    def _find_dossier(self, s: Any, ref: str | int) -> Dossier:
        if isinstance(ref, str) and ref.isascii() and ref.isdigit():
            ref = int(ref)
        if isinstance(ref, int):
            # ids are 64-bit: a longer number (say, fuzzed into a URL) names no dossier
            d = s.get(Dossier, ref) if 0 < ref < 2**63 else None
        else:
            d = s.execute(select(Dossier).where(Dossier.code == ref)).scalar_one_or_none()
        if d is None:
            raise NotFound(f"không có hồ sơ {ref}")
        return d

    def withdraw(self, ref: str | int, *, actor: str, reason: str) -> Dossier:
        d = self.dossier(ref)

        def act(ctx: StepContext) -> Dossier:
            if ctx.dossier.status in ("result_returned", "refused", "withdrawn"):
                status = STATUS_VI[ctx.dossier.status]
                raise InvalidInput(f"hồ sơ {ctx.dossier.code} {status}, không rút được nữa")
            ctx.workflow.cancel()
            before = ctx.dossier.status
            ctx.dossier.status, ctx.dossier.outcome = "withdrawn", "withdrawn"
            ctx.dossier.finished_at = ctx.now
            ctx.session.execute(
                update(ServiceJob)
                .where(ServiceJob.dossier_id == ctx.dossier.id, ServiceJob.state == "pending")
                .values(state="cancelled")
            )
            ctx.session.execute(
                update(Timer)
                .where(Timer.dossier_id == ctx.dossier.id, Timer.fired_at.is_(None))
                .values(fired_at=ctx.now)
            )
            ctx.audit("withdraw", from_state=before, to_state="withdrawn", reason=reason)
            return ctx.dossier

        return run_step(self, d.id, actor, act)

    def _user(self, s: Any, username: str, known: User | None = None) -> User:
        if known is not None and known.username == username:
            user: User | None = known  # read with the step's lock: no second query
        else:
            user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None or not user.active:
            raise NotAllowed(f"người dùng {username!r} không tồn tại hoặc đã bị khóa")
        return user

    def _check_can_work(
        self, s: Any, row: TaskRow, username: str, known: User | None = None
    ) -> None:
        user = self._user(s, username, known)
        if row.assignee and row.assignee != username:
            raise NotAllowed(f"công việc {row.id} đã được nhận bởi {row.assignee}")
        if "admin" in user.roles:
            return
        if row.role and row.role not in user.roles:
            raise NotAllowed(
                f"công việc {row.id} cần vai trò {row.role}; {username} có {user.roles}"
            )
        if row.agency_code and user.agency_code and row.agency_code != user.agency_code:
            raise NotAllowed(f"công việc {row.id} thuộc cơ quan {row.agency_code}")

    def _ready_task(self, ctx: StepContext, task_id: str) -> tuple[TaskRow, Any]:
        row = ctx.session.get(TaskRow, task_id)
        if row is None or row.dossier_id != ctx.dossier.id:
            raise NotFound(f"không có công việc {task_id}")
        if row.state != "open":
            by = f" bởi {row.completed_by}" if row.completed_by else ""
            done = TASK_ENDS.get(row.state, row.state)
            raise TaskNotReady(f"công việc {task_id} ({row.name}) {done}{by}")
        try:
            task = ctx.workflow.get_task_from_id(UUID(task_id))
        except TaskNotFoundException:  # a row the workflow no longer has (a restored state)
            task = None
        if task is None or not task.state & _READY:
            raise TaskNotReady(f"công việc {task_id} ({row.name}) chưa sẵn sàng để xử lý")
        return row, task

    def is_supplement_task(self, row: TaskRow) -> bool:
        return row.bpmn_id in SUPPLEMENT_TASKS or row.form in SUPPLEMENT_TASKS

    # -- services ------------------------------------------------------------------
    def _prepared_result(self, task: Any, operation_name: str, operation_params: dict) -> Any:
        with self._prepared_lock:
            if task.id not in self._prepared:
                raise TaskNotReady(
                    f"bước tự động {task.task_spec.bpmn_id} chạy khi chưa có kết quả gọi hệ thống"
                )
            return self._prepared.pop(task.id)

    def prepare_result(self, task_id: UUID, data: Any) -> None:
        with self._prepared_lock:
            self._prepared[task_id] = data

    def call_service(self, operation: str, params: dict, *, idempotency_key: str) -> Any:
        if self._service_caller is not None:
            return self._service_caller(operation, params, idempotency_key=idempotency_key)
        from adapters.registry import get_registry

        return get_registry().call(operation, params, idempotency_key=idempotency_key)

    def _step_now(self) -> datetime:
        """Now as seen by the step being run (its injected moment), else the engine clock."""
        from .clock import current_clock

        return (current_clock() or self.clock).now()

    def _working_days_from_now(self, days: float) -> str:
        return self.calendar.due_date(self._step_now(), days, "working_days").isoformat()


from SpiffWorkflow.exceptions import TaskNotFoundException  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

_READY = TaskState.READY
#: How a task that is no longer open ended, as an officer reads it.
TASK_ENDS = {"completed": "đã được xử lý", "cancelled": "đã bị hủy"}


def _agency_of_submission() -> Any:
    """The agency ``submit`` picks: the one given, else the procedure's, else the default."""
    given = func.nullif(bindparam("agency", type_=String), "")
    own = func.nullif(Procedure.agency_code, "")
    return func.coalesce(given, own, bindparam("default_agency", type_=String))


#: The procedure, its model version's key, and whether the submission's agency exists: one read.
_SUBMIT_LOOKUP = (
    select(
        Procedure,
        ProcessVersion.content_hash,
        ProcessVersion.process_id,
        Agency.code.label("agency_known"),
    )
    .outerjoin(ProcessVersion, ProcessVersion.id == Procedure.current_version_id)
    .outerjoin(Agency, Agency.code == _agency_of_submission())
    .where(Procedure.code == bindparam("procedure"))
)
