"""A fortnight of dossiers with outcomes known by hand, built through the real engine.

Used by the dashboard's tests (engine figures, reports, web page): each dossier below is
walked by the officers on the engine's manual clock, so every row the dashboard counts was
written by the engine itself. ``EXPECTED`` holds what a person counting the list below
finds for the week of 23–29/11/2026 (the dashboard's "this week" at ``NOW``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from engine.metrics_period import Period
from engine.metrics_ratings import record_rating
from engine.models import FeePayment
from engine.runtime import Engine
from forms.prefill import HeldDocument, PrefillResult, Proposal

from .conftest import AGENCY, HAPPY, KET_HON, KHAI_SINH, START, TEST_PROC, VN, Officers

COMMUNE_A = "000.21.01.H56"
COMMUNE_B = "000.21.02.H56"
ADMIN = "qt"
#: The moment the dashboard is looked at: Friday 27/11/2026, 10:00.
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=VN)
PDF = b"%PDF-1.4\n% test scan\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n test scan"

#: The week 23–29/11/2026, all agencies.
EXPECTED = {
    "received": 11,
    "received_online": 3,
    "received_counter": 7,
    "received_post": 1,
    "in_process": 4,
    "settled": 5,
    "settled_early": 2,
    "settled_on_time": 1,
    "settled_late": 2,
    "refused": 1,
    "withdrawn": 1,
    "supplement_requests": 1,
    "supplemented_dossiers": 1,
    "documents": 3,
    "digitised_dossiers": 2,
    "reused_documents": 2,
    "registry_documents": 1,
    "prefilled_fields": 1,
    "reusing_dossiers": 2,
    "fee_dossiers": 2,
    "paid_online": 1,
    "ratings": 2,
    "rating_sum": 8,
    "satisfied": 1,
}
#: The provincial agency alone (the communes' two dossiers left out).
EXPECTED_AGENCY = {
    **EXPECTED,
    "received": 9,
    "received_online": 2,
    "received_counter": 6,
    "settled": 3,
    "settled_early": 1,
    "settled_late": 1,
}


@dataclass
class History:
    codes: dict[str, str] = field(default_factory=dict)  # name in this module → dossier code
    week: Period | None = None


def build_history(e: Engine) -> History:
    """Walk the dossiers of the previous week and of this week; leave the clock at ``NOW``."""
    clock = e.clock
    e.ensure_agency(COMMUNE_A, "UBND xã An Bình", level="commune", parent_code=AGENCY)
    e.ensure_agency(COMMUNE_B, "UBND xã Bình Minh", level="commune", parent_code=AGENCY)
    e.ensure_user(ADMIN, "Quản trị", None, ["admin"])
    o = Officers(e, check_state=False)
    h = History(week=Period.named("week", NOW.date(), VN))

    def submit(name: str, proc: str, channel: str = "counter", agency: str = AGENCY) -> str:
        d = o.submit(proc, channel=channel, agency_code=agency)
        h.codes[name] = d.code
        return d.code

    def do(name: str, step: str, action: str = "complete") -> None:
        o.do(h.codes[name], step, action, user=ADMIN)

    def walk(name: str, steps: list[str]) -> None:
        for step in steps:
            do(name, step)

    # previous week: commune B settles early, commune A late
    clock.set(datetime(2026, 11, 18, 8, 30, tzinfo=VN))
    submit("PB", KET_HON, "online", COMMUNE_B)
    walk("PB", HAPPY)
    submit("PA", KHAI_SINH, "counter", COMMUNE_A)
    do("PA", "receive")
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=VN))
    walk("PA", ["appraise", "approve", "return_result"])

    # this week, Wednesday 25/11
    clock.set(START)
    submit("A1", KET_HON, "online")  # settled early, a new scan, rated 5, fee paid online
    walk("A1", HAPPY)
    e.attach_document(h.codes["A1"], PDF, filename="cccd.pdf", kind="cccd", actor="mc")
    submit("A2", KHAI_SINH)  # settled on time, reuses A1's scan, rated 3, fee paid at the desk
    walk("A2", HAPPY)
    e.attach_document(h.codes["A2"], PDF, filename="cccd.pdf", kind="cccd", actor="mc")
    e.attach_document(h.codes["A2"], PNG, filename="to-khai.png", kind="to_khai", actor="mc")
    submit("A3", KHAI_SINH, "post")  # received today, settled tomorrow: late
    do("A3", "receive")
    submit("A4", TEST_PROC, "online")  # sent back for supplementation: paused, in process
    do("A4", "receive")
    do("A4", "appraise", "supplement")
    _registry_reuse(e, h.codes["A4"])  # the birth certificate from the civil-status registry
    submit("A5", KET_HON)  # refused at the counter
    do("A5", "receive", "refuse")
    do("A5", "notify_refusal")
    submit("A6", KET_HON)  # withdrawn by the citizen
    e.withdraw(h.codes["A6"], actor=ADMIN, reason="Công dân rút hồ sơ")
    submit("A7", KET_HON)  # never received further: late by Friday, held by mc
    e.claim(o.task(h.codes["A7"], "receive").id, user="mc")
    submit("A8", TEST_PROC)  # ten working days: neither late nor near-due
    submit("CA", KET_HON, "online", COMMUNE_A)  # commune A settles early this week
    walk("CA", HAPPY)
    submit("CB", KHAI_SINH, "counter", COMMUNE_B)  # commune B settles late this week
    do("CB", "receive")
    for name, score in (("A1", 5), ("A2", 3)):
        record_rating(e, h.codes[name], score, comment="", channel="online")
    _fees(e, h)

    # Thursday 26/11
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=VN))
    walk("A3", ["appraise", "approve"])
    walk("CB", ["appraise", "approve", "return_result"])
    submit("A9", KET_HON)  # due Friday 17:00: near-due on Friday morning
    clock.set(NOW)
    return h


def _registry_reuse(e: Engine, code: str) -> None:
    """A prefill the officer confirmed: one form value and one document from a registry."""
    result = PrefillResult(
        form_id="test",
        field="applicant.id_number",
        operation="civil_status.lookup_birth",
        status="found",
        proposals=[Proposal("applicant.birth_date", "Ngày sinh", "2020-01-01")],
        held_documents=[HeldDocument("documents.birth_cert", "Giấy khai sinh", "record.id")],
        record={"request": {"id_number": "0011****0001"}},
    )
    e.record_reuse(code, result, user="mc")


def _fees(e: Engine, h: History) -> None:
    """Fees as the online channel records them (its payment pages are another issue's)."""
    now = e.clock.now()
    with e.db.write() as s:
        for name, channel in (("A1", "online"), ("A2", "counter")):
            s.add(
                FeePayment(
                    dossier_id=e.dossier(h.codes[name]).id,
                    amount=8000,
                    description="Lệ phí",
                    state="paid",
                    channel=channel,
                    created_at=now,
                    updated_at=now,
                    paid_at=now,
                )
            )
