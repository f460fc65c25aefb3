"""What people do with tasks: claim, release, assign, complete, supplement, refuse."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from .errors import Conflict, InvalidInput, NotAllowed, NotFound
from .models import TaskRow

if TYPE_CHECKING:
    from .runtime import Engine
    from .steps import StepContext

SUPERVISORS = frozenset({"head_of_unit", "leader", "admin"})
#: The form fields an action answers besides plain completion.
ACTION_FIELDS = {"refuse": ("reasons",), "supplement": ("missing_documents", "note")}
#: A task row's state as the errors officers read say it ("công việc … đã hoàn thành").
TASK_STATES = {"open": "đang mở", "completed": "đã hoàn thành", "cancelled": "đã hủy"}


class TaskActions:
    def claim(self: Engine, task_id: str, *, user: str) -> TaskRow:
        """Take a task exclusively: the first claim wins, a second gets a clear conflict."""
        now = self.clock.now()
        with self.db.write() as s:
            row = self._open_row(s, task_id)
            if row.assignee not in (None, user):
                raise Conflict(f"công việc {task_id} đã được nhận bởi {row.assignee}")
            self._check_can_work(s, row, user)
            done = s.execute(
                update(TaskRow)
                .where(TaskRow.id == task_id, TaskRow.state == "open", TaskRow.assignee.is_(None))
                .values(assignee=user)
            ).rowcount
            if not done:
                holder = s.execute(select(TaskRow.assignee).where(TaskRow.id == task_id)).scalar()
                if holder == user:
                    return row
                raise Conflict(f"công việc {task_id} đã được nhận bởi {holder}")
            self._audit_task(s, row, user, "claim", now)
            s.refresh(row)
            return row

    def release(self: Engine, task_id: str, *, user: str) -> TaskRow:
        now = self.clock.now()
        with self.db.write() as s:
            row = self._open_row(s, task_id)
            if row.assignee != user and not self._is_supervisor(s, user):
                raise NotAllowed(f"công việc {task_id} do {row.assignee} giữ, không phải {user}")
            before, row.assignee = row.assignee, None
            self._audit_task(s, row, user, "release", now, previous=before)
            return row

    def assign(self: Engine, task_id: str, *, to: str, user: str) -> TaskRow:
        """Give a task to a colleague; supervisors may also take it from its holder."""
        now = self.clock.now()
        with self.db.write() as s:
            row = self._open_row(s, task_id)
            supervisor = self._is_supervisor(s, user)
            if row.assignee not in (None, user) and not supervisor:
                raise NotAllowed(f"công việc {task_id} do {row.assignee} giữ")
            if row.assignee is None and user != to and not supervisor:
                self._check_can_work(s, row, user)
            saved, row.assignee = row.assignee, None
            self._check_can_work(s, row, to)
            row.assignee = to
            self._audit_task(s, row, user, "assign", now, previous=saved, to=to)
            return row

    def complete(
        self: Engine,
        task_id: str,
        *,
        user: str,
        data: dict[str, Any] | None = None,
        action: str = "complete",
        expected_version: int | None = None,
    ) -> TaskRow:
        """Complete a user task with form data; the decision drives the model's gateways."""
        if not isinstance(data or {}, dict):
            raise InvalidInput("dữ liệu công việc phải là một đối tượng JSON")
        return self._run_task(task_id, user, dict(data or {}), action, expected_version)

    def request_supplementation(
        self: Engine, task_id: str, *, user: str, missing: list[str], note: str = ""
    ) -> TaskRow:
        """Send the dossier back for missing documents; the legal clock pauses."""
        missing = [m.strip() for m in missing if isinstance(m, str) and m.strip()]
        if not missing:
            raise InvalidInput(
                "hãy ghi những giấy tờ còn thiếu",
                {"missing_documents": ["cần ít nhất một giấy tờ"]},
            )
        data = {"missing_documents": missing, "note": note}
        return self._run_task(task_id, user, data, "supplement", None)

    def supplement(
        self: Engine, task_id: str, *, user: str, data: dict[str, Any] | None = None
    ) -> TaskRow:
        """Record the citizen's supplement; the clock resumes and the due date moves."""
        return self._run_task(
            task_id, user, dict(data or {}), "complete", None, supplement_only=True
        )

    def refuse(self: Engine, task_id: str, *, user: str, reasons: list[str] | str) -> TaskRow:
        if isinstance(reasons, str):
            reasons = [reasons]
        reasons = [r.strip() for r in reasons if isinstance(r, str) and r.strip()]
        if not reasons:
            raise InvalidInput("từ chối phải ghi rõ lý do", {"reasons": ["required"]})
        return self._run_task(task_id, user, {"reasons": reasons}, "refuse", None)

    # -- helpers -------------------------------------------------------------------
    def _run_task(
        self: Engine,
        task_id: str,
        user: str,
        data: dict[str, Any],
        action: str,
        expected_version: int | None,
        *,
        supplement_only: bool = False,
    ) -> TaskRow:
        """Complete a task as one step; the task's dossier is found and locked by its id."""

        def act(ctx: StepContext) -> TaskRow:
            ctx.open_rows()  # the task row comes from the identity map after this
            if supplement_only:
                row = ctx.session.get(TaskRow, task_id)
                if row is not None and not self.is_supplement_task(row):
                    raise InvalidInput(
                        f"công việc {task_id} ({row.name}) không phải bước bổ sung hồ sơ"
                    )
            row, task = self._ready_task(ctx, task_id)
            if row.kind != "user":
                raise NotAllowed(f"công việc {task_id} do hệ thống thực hiện")
            self._check_can_work(ctx.session, row, user, known=ctx.user)
            if action != "complete" and action not in row.actions:
                raise InvalidInput(
                    f"bước {row.name} không có thao tác {action!r}",
                    {"action": [f"một trong {['complete', *row.actions]}"]},
                )
            self._validate_form(row, data, action)
            supplement_task = self.is_supplement_task(row)
            if action == "supplement":
                self.lifecycle.pause(ctx)
            elif supplement_task:
                self.lifecycle.resume(ctx)
            if action == "refuse":
                ctx.dossier.outcome = "refused"
            task.set_data(**data, decision=action, **self._base_data(ctx.dossier))
            task.run()
            row.state, row.completed_at, row.completed_by, row.action = (
                "completed",
                ctx.now,
                user,
                action,
            )
            row.assignee = row.assignee or user
            if row.due_at is not None:  # only then did it get step timers
                ctx.drop_task_timers(task_id)
            ctx.audit(
                "complete",
                task_id=task_id,
                from_state=ctx.dossier.status,
                step=row.bpmn_id,
                decision=action,
                fields=sorted(data),
            )
            return row

        return self._step(None, user, act, expected_version=expected_version, task_id=task_id)

    def _step(self: Engine, dossier_id: int | None, actor: str, act: Any, **kwargs: Any) -> Any:
        from .steps import run_step

        return run_step(self, dossier_id, actor, act, **kwargs)

    def _validate_form(self: Engine, row: TaskRow, data: dict[str, Any], action: str) -> None:
        """Check data against the task's eForm with the decision taken.

        Refusing or requesting supplementation answers only the action's own fields
        (reasons, missing documents), so only those are required then.
        """
        if not row.form:
            return
        from forms.registry import load_form
        from forms.validation import validate

        try:
            form = load_form(row.form, search_path=self.form_search_path())
        except NotFound:
            return  # lint reports missing forms at deploy; the data is still kept
        errors = validate(form, {**data, "decision": action})
        if action != "complete":
            own = ACTION_FIELDS.get(action, ())
            errors = {k: v for k, v in errors.items() if k.split(".")[0].split("[")[0] in own}
        if errors:
            raise InvalidInput(f"biểu mẫu của bước {row.name} còn lỗi", errors)

    def form_search_path(self: Engine) -> list | None:
        return None

    def _open_row(self: Engine, s: Any, task_id: str) -> TaskRow:
        row = s.get(TaskRow, task_id)
        if row is None:
            raise NotFound(f"không có công việc {task_id}")
        if row.state != "open":
            raise Conflict(f"công việc {task_id} {TASK_STATES.get(row.state, row.state)}")
        return row

    def _is_supervisor(self: Engine, s: Any, username: str) -> bool:
        return bool(SUPERVISORS & set(self._user(s, username).roles))

    def _audit_task(
        self: Engine, s: Any, row: TaskRow, user: str, action: str, now: Any, **detail: Any
    ) -> None:
        from . import audit

        audit.record(
            s,
            at=now,
            actor=user,
            action=action,
            dossier_id=row.dossier_id,
            task_id=row.id,
            step=row.bpmn_id,
            **detail,
        )
