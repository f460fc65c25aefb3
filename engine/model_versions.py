"""The designer studio's engine side: drafts, deploys, diffs, rollbacks, dossiers per version.

Process designers restructure procedures themselves, so every change is safe by construction:

- a **draft** is saved with its lint findings, errors or not (work in progress), and can
  be deployed only when it has no error — checked again at deploy, since adapters and
  forms may have changed since the save;
- a **deploy** records who, when and why (the version's ``created_by``, ``created_at`` and
  ``note``, and a ``deploy`` audit event); new dossiers take the new version, running ones
  stay on theirs;
- a **diff** says, element by element and in words, what one version (or a draft) changes;
- a **rollback** makes an older version current again (audited with the reason);
- each version shows how many dossiers run on it.

Only users with the ``designer`` (or ``admin``) role save, deploy and roll back. Use it as
``ModelVersions(engine)``; lint defaults to the catalogue's `bpmn.lint.lint_model` with the
registered adapter operations and the forms on the search path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from . import audit
from .errors import InvalidInput, NotAllowed, NotFound, UnknownProcedure
from .model_diff import ModelDiff, diff_models
from .models import Dossier, ModelDraft, ModelScenario, Procedure, ProcessVersion, User

if TYPE_CHECKING:
    from .runtime import Engine

DESIGNER_ROLES = frozenset({"designer", "admin"})
#: A draft's state as a refusal says it ("bản nháp #3 đã được triển khai").
_STATES = {"draft": "đang là bản nháp", "deployed": "đã được triển khai", "discarded": "đã bị bỏ"}
Finding = dict[str, Any]  # {"severity", "element_id", "code", "message"}
Linter = Callable[[bytes, frozenset[str]], list[Finding]]  # (model, the draft's own form ids)


@dataclass(frozen=True)
class DraftInfo:
    """A saved draft and what lint said about it."""

    id: int
    procedure_code: str
    name: str
    base_version: int | None
    state: str
    errors: int
    warnings: int
    findings: list[Finding]
    saved_at: datetime
    saved_by: str
    note: str
    deployed_version: int | None
    forms: tuple[str, ...] = ()  # ids of the eForms the draft brings

    @property
    def deployable(self) -> bool:
        return self.state == "draft" and self.errors == 0


@dataclass(frozen=True)
class VersionInfo:
    """A deployed version: who deployed it, when, why, and the dossiers on it."""

    version: int
    content_hash: str
    deployed_at: datetime
    deployed_by: str
    reason: str
    current: bool
    running_dossiers: int
    all_dossiers: int


@dataclass(frozen=True)
class ScenarioResult:
    """One saved scenario replayed on a draft: passed when every step ran and, if the
    scenario says so, the dossier ended in the expected status."""

    name: str
    passed: bool
    expect_status: str | None
    run: Any  # engine.model_sandbox.SandboxRun


def default_lint(data: bytes, draft_forms: frozenset[str] = frozenset()) -> list[Finding]:
    """Lint as `lienthong model lint` does: registered operations, forms on the search path
    (and the forms the draft brings)."""
    from bpmn.catalog.validate import known_operations
    from bpmn.lint import lint_model
    from forms.registry import form_exists

    findings = lint_model(
        data,
        known_operations=known_operations(),
        form_exists=lambda form_id: form_id in draft_forms or form_exists(form_id),
    )
    return [
        {"severity": f.severity, "element_id": f.element_id, "code": f.code, "message": f.message}
        for f in findings
    ]


class ModelVersions:
    """Drafts and versions of procedure models, on one engine."""

    def __init__(self, engine: Engine, *, lint: Linter | None = None) -> None:
        self.engine = engine
        self.lint = lint or default_lint

    # -- drafts ----------------------------------------------------------------------------
    def save_draft(
        self,
        procedure_code: str,
        bpmn: bytes,
        *,
        user: str,
        name: str = "",
        note: str = "",
        draft_id: int | None = None,
        forms: dict[str, Any] | None = None,
    ) -> DraftInfo:
        """Save (or overwrite draft `draft_id`) with its findings; errors do not stop a save.

        `forms` are eForms the draft brings (form id → ``{"schema", "ui"}``, e.g. from
        `forms.builder`); they are checked like the model and written out when it deploys.
        """
        if not isinstance(bpmn, bytes | bytearray) or not bytes(bpmn).strip():
            raise InvalidInput("bản nháp cần nội dung BPMN của mô hình", {"bpmn": ["empty"]})
        code = _code(procedure_code)
        forms = dict(forms or {})
        findings = _form_findings(forms) + self.lint(bytes(bpmn), frozenset(forms))
        errors = sum(1 for f in findings if f["severity"] == "error")
        now = self.engine.clock.now()
        with self.engine.db.write() as s:
            self._designer(s, user)
            if draft_id is None:
                proc = s.get(Procedure, code)
                draft = ModelDraft(
                    procedure_code=code, base_version_id=proc and proc.current_version_id
                )
                s.add(draft)
            else:
                draft = self._draft(s, draft_id)
                if draft.state != "draft":
                    raise InvalidInput(
                        f"bản nháp #{draft_id} {_STATES.get(draft.state, draft.state)}; "
                        "hãy tạo bản nháp mới"
                    )
                if draft.procedure_code != code:
                    raise InvalidInput(f"bản nháp #{draft_id} thuộc thủ tục {draft.procedure_code}")
            draft.name = name or draft.name or ""
            draft.bpmn_xml = bytes(bpmn)
            draft.content_hash = hashlib.sha256(bytes(bpmn)).hexdigest()
            draft.findings, draft.errors, draft.forms = findings, errors, forms
            draft.warnings = len(findings) - errors
            draft.note, draft.saved_at, draft.saved_by = note, now, user
            s.flush()
            return self._draft_info(s, draft)

    def draft(self, draft_id: int) -> DraftInfo:
        with self.engine.db.read() as s:
            return self._draft_info(s, self._draft(s, draft_id))

    def draft_bpmn(self, draft_id: int) -> bytes:
        """Return the draft's BPMN, for the modeler or a download."""
        with self.engine.db.read() as s:
            return bytes(self._draft(s, draft_id).bpmn_xml)

    def draft_forms(self, draft_id: int) -> dict[str, Any]:
        """Return the eForms the draft brings (form id → ``{"schema", "ui"}``), for the editor."""
        with self.engine.db.read() as s:
            return dict(self._draft(s, draft_id).forms or {})

    def drafts(self, procedure_code: str, *, state: str | None = "draft") -> list[DraftInfo]:
        query = select(ModelDraft).where(ModelDraft.procedure_code == procedure_code)
        if state is not None:
            query = query.where(ModelDraft.state == state)
        with self.engine.db.read() as s:
            rows = s.execute(query.order_by(ModelDraft.id)).scalars().all()
            return [self._draft_info(s, d) for d in rows]

    def discard_draft(self, draft_id: int, *, user: str) -> DraftInfo:
        with self.engine.db.write() as s:
            self._designer(s, user)
            draft = self._draft(s, draft_id)
            if draft.state != "draft":
                state = _STATES.get(draft.state, draft.state)
                raise InvalidInput(f"bản nháp #{draft_id} {state} rồi")
            draft.state = "discarded"
            return self._draft_info(s, draft)

    # -- deploy and rollback ---------------------------------------------------------------
    def deploy_draft(
        self,
        draft_id: int,
        *,
        user: str,
        reason: str,
        name: str | None = None,
        deadline: tuple[float, str] | None = None,
        mode: str | None = None,
        field: str | None = None,
        level: str | None = None,
        agency_code: str | None = None,
    ) -> VersionInfo:
        """Deploy a draft without errors as the procedure's new version; say why.

        Lint runs again first: a draft that became wrong since it was saved (an adapter
        removed, a form deleted) is refused with the findings and its record is updated.
        A procedure's first version takes its deadline, online level (`mode`), field, level
        and agency from the catalogue (`bpmn.catalog.deploy.catalogue_terms`); later ones
        pass None and keep them.
        """
        why = " ".join(str(reason or "").split())
        if not why:
            raise InvalidInput("hãy ghi lý do triển khai phiên bản này", {"reason": ["required"]})
        with self.engine.db.read() as s:
            self._designer(s, user)
            draft = self._draft(s, draft_id)
            if draft.state != "draft":
                raise InvalidInput(
                    f"bản nháp #{draft_id} {_STATES.get(draft.state, draft.state)}, "
                    "không triển khai được nữa"
                )
            code, bpmn, title = draft.procedure_code, bytes(draft.bpmn_xml), draft.name
            forms = dict(draft.forms or {})
        findings = _form_findings(forms) + self.lint(bpmn, frozenset(forms))
        errors = [f for f in findings if f["severity"] == "error"]
        if errors:
            with self.engine.db.write() as s:
                row = self._draft(s, draft_id)
                row.findings, row.errors = findings, len(errors)
                row.warnings = len(findings) - len(errors)
            listed = "; ".join(f"{f['element_id'] or '-'}: {f['message']}" for f in errors[:5])
            raise InvalidInput(
                f"bản nháp #{draft_id} còn {len(errors)} lỗi nên chưa triển khai được: {listed}",
                {f["element_id"] or "model": [f["message"]] for f in errors},
            )
        _publish_forms(forms)
        version = self.engine.deploy(
            code, bpmn, name=name or title or None, deadline=deadline, mode=mode, field=field,
            level=level, agency_code=agency_code, actor=user, note=why,
        )  # fmt: skip
        with self.engine.db.write() as s:
            row = self._draft(s, draft_id)
            row.state, row.deployed_version_id = "deployed", version.id
        return self.version(code, version.version)

    def rollback(
        self, procedure_code: str, to_version: int, *, user: str, reason: str
    ) -> VersionInfo:
        """Make an older version current again; running dossiers keep theirs."""
        why = " ".join(str(reason or "").split())
        if not why:
            raise InvalidInput("hãy ghi lý do quay lại phiên bản cũ", {"reason": ["required"]})
        with self.engine.db.write() as s:
            self._designer(s, user)
            proc = s.get(Procedure, procedure_code)
            if proc is None:
                raise UnknownProcedure(f"thủ tục {procedure_code} chưa được triển khai")
            target = self._version_row(s, procedure_code, to_version)
            current = s.get(ProcessVersion, proc.current_version_id)
            if current is not None and current.id == target.id:
                raise InvalidInput(f"phiên bản {to_version} đang là phiên bản hiện hành")
            proc.current_version_id = target.id
            audit.record(
                s,
                at=self.engine.clock.now(),
                actor=user,
                action="rollback",
                procedure=procedure_code,
                from_version=current.version if current is not None else None,
                to_version=to_version,
                note=why,
            )
        return self.version(procedure_code, to_version)

    # -- reading versions ------------------------------------------------------------------
    def versions(self, procedure_code: str) -> list[VersionInfo]:
        """Every version, newest first, with its deploy record and its dossiers."""
        with self.engine.db.read() as s:
            proc = s.get(Procedure, procedure_code)
            if proc is None:
                raise UnknownProcedure(f"thủ tục {procedure_code} chưa được triển khai")
            running, total = self._dossier_counts(s, procedure_code)
            rows = s.execute(
                select(ProcessVersion)
                .where(ProcessVersion.procedure_code == procedure_code)
                .order_by(ProcessVersion.version.desc())
            ).scalars()
            return [_version_info(v, proc.current_version_id, running, total) for v in rows]

    def version(self, procedure_code: str, version: int) -> VersionInfo:
        for info in self.versions(procedure_code):
            if info.version == version:
                return info
        raise NotFound(f"thủ tục {procedure_code} không có phiên bản {version}")

    def running_dossiers(self, procedure_code: str) -> dict[int, int]:
        """Return ``{version: dossiers not finished}`` (versions without any are left out)."""
        with self.engine.db.read() as s:
            return self._dossier_counts(s, procedure_code)[0]

    def version_bpmn(self, procedure_code: str, version: int) -> bytes:
        with self.engine.db.read() as s:
            return bytes(self._version_row(s, procedure_code, version).bpmn_xml)

    def diff(self, procedure_code: str, old_version: int, new_version: int) -> ModelDiff:
        """What `new_version` changes compared with `old_version`."""
        return diff_models(
            self.version_bpmn(procedure_code, old_version),
            self.version_bpmn(procedure_code, new_version),
        )

    def diff_draft(self, draft_id: int) -> ModelDiff:
        """What a draft changes compared with the procedure's current version (all added if new)."""
        with self.engine.db.read() as s:
            draft = self._draft(s, draft_id)
            proc = s.get(Procedure, draft.procedure_code)
            current = s.get(ProcessVersion, proc.current_version_id) if proc else None
            old = bytes(current.bpmn_xml) if current is not None else EMPTY_MODEL
            return diff_models(old, bytes(draft.bpmn_xml))

    def test_run_draft(self, draft_id: int, scenario: list, **options: Any) -> Any:
        """Play a scenario on a draft in a sandbox (see `engine.model_sandbox.run_scenario`)."""
        from .model_sandbox import run_scenario

        options.setdefault("forms", self.draft_forms(draft_id))
        return run_scenario(self.draft_bpmn(draft_id), scenario, **options)

    # -- saved test scenarios --------------------------------------------------------------
    def save_scenario(
        self,
        procedure_code: str,
        name: str,
        steps: list[dict[str, Any]],
        *,
        user: str,
        applicant: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        expect_status: str | None = None,
    ) -> int:
        """Save (or replace, by name) a scenario the procedure's drafts must pass."""
        from .model_sandbox import ACTIONS

        title = " ".join(str(name or "").split())
        if not title:
            raise InvalidInput("kịch bản chạy thử cần có tên", {"name": ["required"]})
        if not isinstance(steps, list) or not steps:
            raise InvalidInput("kịch bản chạy thử cần ít nhất một bước", {"steps": ["required"]})
        for n, item in enumerate(steps):
            if (
                not isinstance(item, dict)
                or not str(item.get("step") or "").strip()
                or (item.get("action", "complete") not in ACTIONS)
                or not isinstance(item.get("data", {}), dict)
            ):
                raise InvalidInput(
                    f"bước {n + 1} của kịch bản: cần 'step', có thể thêm 'data' (đối tượng) và "
                    f"'action' ({', '.join(ACTIONS)})",
                    {f"steps[{n}]": ["invalid"]},
                )
        code = _code(procedure_code)
        with self.engine.db.write() as s:
            self._designer(s, user)
            row = s.execute(
                select(ModelScenario).where(
                    ModelScenario.procedure_code == code, ModelScenario.name == title
                )
            ).scalar_one_or_none()
            if row is None:
                row = ModelScenario(procedure_code=code, name=title)
                s.add(row)
            row.steps = [{"step": i["step"], "data": dict(i.get("data") or {}),
                          "action": i.get("action", "complete")} for i in steps]  # fmt: skip
            row.applicant, row.form_data = dict(applicant or {}), dict(data or {})
            row.expect_status = expect_status
            row.saved_at, row.saved_by = self.engine.clock.now(), user
            s.flush()
            return row.id

    def scenarios(self, procedure_code: str) -> list[dict[str, Any]]:
        with self.engine.db.read() as s:
            rows = s.execute(
                select(ModelScenario)
                .where(ModelScenario.procedure_code == procedure_code)
                .order_by(ModelScenario.name)
            ).scalars()
            return [
                {"id": r.id, "name": r.name, "steps": r.steps, "applicant": r.applicant,
                 "data": r.form_data, "expect_status": r.expect_status,
                 "saved_by": r.saved_by, "saved_at": r.saved_at}
                for r in rows
            ]  # fmt: skip

    def run_scenarios(self, draft_id: int) -> list[ScenarioResult]:
        """Replay every saved scenario of the draft's procedure on the draft, in a sandbox."""
        from .model_sandbox import ScenarioStep, run_scenario

        draft = self.draft(draft_id)
        bpmn = self.draft_bpmn(draft_id)
        forms = self.draft_forms(draft_id)
        results = []
        for sc in self.scenarios(draft.procedure_code):
            steps = [ScenarioStep(i["step"], i["data"], i["action"]) for i in sc["steps"]]
            run = run_scenario(bpmn, steps, forms=forms, applicant=sc["applicant"] or None,
                               data=sc["data"] or None)  # fmt: skip
            expected = sc["expect_status"]
            passed = run.ok and (expected is None or run.status == expected)
            results.append(ScenarioResult(sc["name"], passed, expected, run))
        return results

    # -- helpers ---------------------------------------------------------------------------
    def _designer(self, s: Any, username: str) -> User:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            raise NotAllowed(f"không có người dùng {username!r}")
        if not DESIGNER_ROLES & set(user.roles or ()):
            raise NotAllowed(
                f"{username} không phải người thiết kế quy trình: "
                "chỉ người thiết kế mới được sửa mô hình"
            )
        return user

    @staticmethod
    def _draft(s: Any, draft_id: int) -> ModelDraft:
        draft = s.get(ModelDraft, draft_id)
        if draft is None:
            raise NotFound(f"không có bản nháp #{draft_id}")
        return draft

    @staticmethod
    def _version_row(s: Any, procedure_code: str, version: int) -> ProcessVersion:
        row = s.execute(
            select(ProcessVersion).where(
                ProcessVersion.procedure_code == procedure_code, ProcessVersion.version == version
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(f"thủ tục {procedure_code} không có phiên bản {version}")
        return row

    @staticmethod
    def _dossier_counts(s: Any, procedure_code: str) -> tuple[dict[int, int], dict[int, int]]:
        rows = s.execute(
            select(
                ProcessVersion.version,
                func.count(Dossier.id).filter(Dossier.finished_at.is_(None)),
                func.count(Dossier.id),
            )
            .join(Dossier, Dossier.version_id == ProcessVersion.id)
            .where(ProcessVersion.procedure_code == procedure_code)
            .group_by(ProcessVersion.version)
        ).all()
        running = {v: int(r) for v, r, _ in rows if r}
        return running, {v: int(t) for v, _, t in rows}

    @staticmethod
    def _draft_info(s: Any, d: ModelDraft) -> DraftInfo:
        def number(version_id: int | None) -> int | None:
            row = s.get(ProcessVersion, version_id) if version_id else None
            return row.version if row is not None else None

        return DraftInfo(
            d.id, d.procedure_code, d.name, number(d.base_version_id), d.state, d.errors,
            d.warnings, list(d.findings or []), d.saved_at, d.saved_by, d.note,
            number(d.deployed_version_id), tuple(sorted(d.forms or {})),
        )  # fmt: skip


def _form_findings(forms: dict[str, Any]) -> list[Finding]:
    """Check the draft's own eForms: valid ids, valid forms, registered prefill sources."""
    from bpmn.catalog.validate import known_operations
    from forms.builder import form_problems_for
    from forms.registry import check_form_id

    findings = []
    for form_id, raw in forms.items():
        try:
            check_form_id(form_id)
            problems = form_problems_for(raw, known_operations())
        except InvalidInput as exc:
            problems = [str(exc)]
        findings += [
            {"severity": "error", "element_id": form_id, "code": "E-FORM-INVALID",
             "message": f"biểu mẫu {form_id!r}: {p}"}
            for p in problems
        ]  # fmt: skip
    return findings


def _publish_forms(forms: dict[str, Any]) -> None:
    """Write the draft's eForms to the first ``LIENTHONG_FORMS_PATH`` directory.

    A form id already in use with other content is refused: running dossiers keep the form
    they started with, so a changed form needs a new id (the model then names it).
    """
    import os
    from pathlib import Path

    from forms.builder import save_form
    from forms.registry import find_form, form_from_dict, load_form

    if not forms:
        return
    paths = [p for p in os.environ.get("LIENTHONG_FORMS_PATH", "").split(os.pathsep) if p]
    if not paths:
        raise InvalidInput(
            "bản nháp kèm biểu mẫu điện tử nhưng LIENTHONG_FORMS_PATH chưa chỉ thư mục nào để lưu"
        )
    built = {form_id: form_from_dict(form_id, raw) for form_id, raw in forms.items()}
    for form_id, form in built.items():
        if find_form(form_id) is None:
            continue
        current = load_form(form_id)
        if (current.schema, current.ui) != (form.schema, form.ui):
            raise InvalidInput(
                f"biểu mẫu {form_id!r} đã được dùng với nội dung khác; hãy đặt mã mới cho "
                "biểu mẫu đã sửa để hồ sơ đang giải quyết giữ biểu mẫu cũ",
                {form_id: ["Biểu mẫu đã được dùng; hãy đặt mã mới cho biểu mẫu đã sửa"]},
            )
    for form in built.values():
        save_form(form, Path(paths[0]))


EMPTY_MODEL = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="empty"/>'
)


def _code(value: Any) -> str:
    code = str(value or "").strip()
    if not code or len(code) > 20:
        raise InvalidInput(
            f"mã thủ tục {value!r} không hợp lệ (cần 1–20 ký tự)", {"procedure_code": ["invalid"]}
        )
    return code


def _version_info(
    v: ProcessVersion, current_id: int | None, running: dict[int, int], total: dict[int, int]
) -> VersionInfo:
    return VersionInfo(
        v.version, v.content_hash, v.created_at, v.created_by, v.note, v.id == current_id,
        running.get(v.version, 0), total.get(v.version, 0),
    )  # fmt: skip
