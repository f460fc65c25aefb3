"""Static analysis of the models, with every expected figure counted by hand from the diagrams.

How the hand counts were made: follow each model from its start event taking the default
flow of every exclusive gateway and every branch of a parallel one, entering the subprocess
"processing"; never the late timer. Person's steps are user tasks; system steps are service
and script tasks; a hand-off is a person's step followed (through gateways and system steps)
by a person's step in a lane of another lt:agency.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bpmn.analysis import Handoff, analyse_model
from bpmn.analysis_compare import FIGURES, compare
from bpmn.flows import MODELS
from engine.errors import InvalidModel

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "bpmn" / "templates" / "standard_one_stop.bpmn"
SEPARATE_HUMAN = ["receive", "appraise", "approve", "return_result"]
DECLARED = ["receive", "appraise", "return_result"]


def figures(code: str):  # noqa: ANN201
    m = MODELS[code]
    return analyse_model(m.xml(), deadline=m.deadline, code=code)


# code: (happy person's steps, happy system steps (sorted), hand-offs, model person's steps,
#        model system steps, (submissions, visits, payments, documents, carried))
EXPECTED = {
    "2.000986": (
        ["receive", "appraise_birth", "sign_birth", "police_residence", "return_result"],
        ["svc_health_card", "svc_register_birth", "svc_register_residence"],
        [("receiving", "police", "sign_birth", "police_residence"),
         ("police", "receiving", "police_residence", "return_result")],
        8, 5, (1, 2, 0, 2, 0),
    ),
    "L.000201": (
        ["receive", "appraise_death", "sign_death", "police_deregister", "return_result"],
        ["svc_deregister", "svc_funeral", "svc_register_death"],
        [("receiving", "police", "sign_death", "police_deregister"),
         ("police", "receiving", "police_deregister", "return_result")],
        7, 5, (1, 2, 0, 2, 0),
    ),
    "2.001583": (
        ["receive", "appraise", "approve", "si_register", "return_result"],
        ["svc_licence_fee", "svc_lookup_owner", "svc_register_enterprise"],
        [("receiving", "social_insurance", "approve", "si_register"),
         ("social_insurance", "receiving", "si_register", "return_result")],
        8, 5, (1, 2, 0, 2, 0),
    ),
    "1.013831": (
        ["receive", "appraise_land", "tax_review", "confirm_payment", "sign_certificate",
         "return_result"],
        ["svc_lookup_parcel", "svc_obligations", "svc_register_transfer"],
        [("receiving", "tax", "appraise_land", "tax_review"),
         ("tax", "receiving", "tax_review", "confirm_payment")],
        9, 4, (1, 2, 1, 4, 0),
    ),
    "1.001193": (SEPARATE_HUMAN, ["svc_record"], [], 7, 1, (1, 2, 0, 2, 0)),
    "1.004222": (SEPARATE_HUMAN, ["svc_record"], [], 7, 1, (1, 2, 0, 2, 1)),
    "L.000103": (SEPARATE_HUMAN, ["svc_record"], [], 6, 1, (1, 2, 0, 2, 1)),
    "1.000656": (SEPARATE_HUMAN, ["svc_record"], [], 7, 1, (1, 2, 0, 2, 0)),
    "1.003197": (SEPARATE_HUMAN, ["svc_record"], [], 7, 1, (1, 2, 0, 2, 1)),
    "2.000821": (SEPARATE_HUMAN, ["svc_record"], [], 7, 1, (1, 2, 0, 2, 1)),
    "L.000301": (SEPARATE_HUMAN, ["svc_record"], [], 7, 1, (1, 2, 0, 2, 0)),
    # a declaration: no leader; deadline unknown, so no apology letter in the model
    "L.000302": (DECLARED, ["svc_record"], [], 5, 1, (1, 2, 0, 2, 1)),
    "L.000303": (DECLARED, [], [], 5, 0, (1, 2, 0, 2, 1)),  # the officer's act: no system
    "L.000401": (["receive", "appraise", "confirm_payment", "return_result"], ["svc_record"],
                 [], 6, 1, (1, 2, 1, 4, 0)),
    "L.000402": (SEPARATE_HUMAN, ["svc_record"], [], 7, 1, (1, 2, 0, 3, 1)),
}  # fmt: skip


def test_every_model_has_hand_counted_figures() -> None:
    assert set(EXPECTED) == set(MODELS)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_model_figures_match_the_hand_count(code: str) -> None:
    human, system, handoffs, all_human, all_system, touch = EXPECTED[code]
    f = figures(code)
    assert f.human_steps == human
    assert sorted(f.system_steps) == system
    assert f.handoffs == [Handoff(*h) for h in handoffs]
    assert (f.model_human_steps, f.model_system_steps) == (all_human, all_system)
    t = f.touchpoints
    assert (t.submissions, t.visits, t.payments, t.documents, t.carried_results) == touch
    assert t.total == touch[0] + touch[1] + touch[2] + touch[3]


def test_parallel_joins_say_who_waits_on_whom() -> None:
    assert figures("2.000986").waits == [{"join": "join", "name": "Đủ kết quả liên thông",
        "waits_on": ["police", "social_insurance.issue_child_health_card"]}]  # fmt: skip
    assert figures("2.001583").waits[0]["waits_on"] == [
        "tax.business_obligations", "social_insurance"]  # fmt: skip
    assert figures("1.013831").waits == []


def test_carried_results_name_the_procedure_they_come_from() -> None:
    t = figures("1.004222").touchpoints
    assert t.carried == ["Giấy khai sinh của trẻ (kết quả thủ tục 1.001193) ← 1.001193"]


def test_template_without_marks_is_read_by_its_ids() -> None:
    f = analyse_model(TEMPLATE.read_bytes())
    assert f.human_steps == SEPARATE_HUMAN and f.system_steps == []
    assert (f.touchpoints.submissions, f.touchpoints.visits) == (1, 2)
    assert f.touchpoints.documents is None and f.touchpoints.total is None  # form lists none
    assert [(h.source, h.target) for h in f.handoffs] == [
        ("receiving", "competent"), ("competent", "receiving")]  # fmt: skip


def reductions(c) -> dict[str, tuple]:  # noqa: ANN001 - a Comparison
    """Figure → (separate total, liên thông, reduction)."""
    return {k: (r["separate"], r["lienthong"], r["reduction"]) for k, r in c.rows.items()}


# flow: (the separate procedures in the citizen's order, per figure (separate, liên thông,
#        reduction) in `bpmn.analysis_compare.FIGURES` order, deadline of each separate one)
COMPARED = {
    "2.000986": (("1.001193", "1.004222", "L.000103"),
                 [(3, 1, 2), (6, 2, 4), (0, 0, 0), (6, 2, 4), (2, 0, 2), (15, 5, 10),
                  (0, 2, -2), (2, 0, 2), (12, 5, 7), (3, 3, 0), (3, 3, 0)],
                 [0.0, 7.0, None]),
    "2.001583": (("L.000301", "L.000302", "L.000303"),
                 [(3, 1, 2), (6, 2, 4), (0, 0, 0), (6, 2, 4), (2, 0, 2), (15, 5, 10),
                  (0, 2, -2), (2, 0, 2), (10, 5, 5), (2, 3, -1), (2, 3, -1)],
                 [3.0, None, None]),
    "1.013831": (("L.000401", "L.000402"),
                 [(2, 1, 1), (4, 2, 2), (1, 1, 0), (7, 4, 3), (1, 0, 1), (14, 8, 6),
                  (0, 2, -2), (1, 0, 1), (8, 6, 2), (2, 3, -1), (2, 3, -1)],
                 [None, 18.0]),
}  # fmt: skip


@pytest.mark.parametrize("flow", sorted(COMPARED))
def test_a_flow_against_the_separate_procedures_it_replaces(flow: str) -> None:
    separate, rows, days = COMPARED[flow]
    assert MODELS[flow].replaces == separate  # what `analyse --compare FLOW` takes
    c = compare(figures(flow), [figures(x) for x in separate])
    assert reductions(c) == dict(zip(FIGURES, rows, strict=True))
    assert c.deadline_lienthong == MODELS[flow].deadline[0]
    assert c.deadline_parts == list(zip(separate, days, strict=True))
    assert c.deadline_separate is None  # a part has no known deadline, so has the total


def test_reductions_in_percent() -> None:
    c = compare(figures("2.000986"), [figures(x) for x in COMPARED["2.000986"][0]])
    assert c.rows["visits"]["reduction_pct"] == 66.7
    c = compare(figures("1.013831"), [figures(x) for x in COMPARED["1.013831"][0]])
    assert c.rows["touchpoints"]["reduction_pct"] == 42.9
    assert c.rows["payments"]["reduction_pct"] == 0.0  # paid once either way


def test_flow_2_against_its_separate_procedures_adds_known_deadlines() -> None:
    c = compare(figures("L.000201"), [figures(x) for x in ("1.000656", "1.003197", "2.000821")])
    assert c.deadline_separate == 13 and c.deadline_lienthong is None
    assert c.rows["carried_results"]["separate"] == 2
    assert c.rows["touchpoints"]["reduction"] == 10


def test_what_the_citizen_carries_in_flows_3_and_4_baselines() -> None:
    for declared in ("L.000302", "L.000303"):  # the registration certificate, each time
        [certificate] = figures(declared).touchpoints.carried
        assert certificate.endswith("← L.000301")
    assert figures("L.000402").touchpoints.carried == [
        "Chứng từ đã nộp thuế thu nhập cá nhân và lệ phí trước bạ (kết quả thủ tục L.000401) "
        "← L.000401"
    ]


def test_bad_models_are_refused_clearly() -> None:
    with pytest.raises(InvalidModel, match="sai cú pháp XML"):
        analyse_model(b"<not-xml")
    with pytest.raises(InvalidModel, match="no process"):
        analyse_model(TEMPLATE.read_bytes(), process_id="missing")
