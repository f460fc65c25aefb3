"""The one-stop frame every liên thông flow shares, and small helpers to fill it.

The frame is the standard template's outer process (`bpmn/templates/standard_one_stop.bpmn`):
the citizen submits once at the one-stop counter, the counter receives (or refuses), the
agencies' work runs in the subprocess ``processing`` (which carries the late-dossier timer and
its apology letter), a supplementation request goes back through the counter, and the counter
returns every result together. A flow fills ``processing`` with its agencies' lanes, tasks,
service tasks and gateways, from ``processing_start`` to the end event ``settled`` (plus
``needs_supplement``/``to_refuse`` ends when its first appraisal may ask for them).

Citizen touchpoints are marked with ``lt:touchpoint`` (``submit``, ``collect``, ``pay``,
``visit``) so `bpmn.analysis` can count them; see docs/lienthong.md.
"""

from __future__ import annotations

from bpmn.diagram import Diagram, Lane, Node

ONE, SYSTEM = "lane_one_stop", "lane_system"
P = "processing"
ZERO = {"deadlineShare": "0"}


def share(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def one_stop_lane(unit: str = "Bộ phận Một cửa") -> Lane:
    return Lane(ONE, unit, "one_stop_officer", "receiving")


def system_lane() -> Lane:
    return Lane(SYSTEM, "Hệ thống thông tin liên thông", "system", "system")


def frame(
    d: Diagram,
    *,
    receive_form: str,
    return_name: str,
    return_share: float,
    supplement: bool = True,
    receive_name: str = "Tiếp nhận hồ sơ liên thông",
    late_timer: bool = True,
) -> None:
    """Add the outer one-stop process around the subprocess ``processing``.

    ``late_timer=False`` for a procedure whose legal deadline is unknown: without a due date
    there is no lateness to time and no apology letter to write.
    """
    d.add(Node("start", "startEvent", "Nộp hồ sơ (một lần)", ONE))
    d.add(Node("receive", "userTask", receive_name, ONE,
               attrs={"actions": "refuse", "form": receive_form, "touchpoint": "submit",
                      **ZERO}))  # fmt: skip
    d.add(Node("gw_receive", "exclusiveGateway", "Hồ sơ hợp lệ?", ONE,
               default="f_gw_receive__processing"))  # fmt: skip
    d.add(Node("notify_refusal", "userTask", "Trả phiếu từ chối", ONE,
               attrs={"touchpoint": "collect", **ZERO}, anchor="gw_receive"))  # fmt: skip
    d.add(Node("refused", "endEvent", "Từ chối", ONE))
    d.add(Node(P, "subProcess", "Các cơ quan giải quyết liên thông", None))
    if late_timer:
        d.add(Node("late_timer", "boundaryEvent", "Quá hạn", ONE, attached_to=P,
                   timer_date="dossier_due"))  # fmt: skip
        d.add(Node("apology_letter", "userTask", "Lập văn bản xin lỗi và hẹn lại ngày trả kết quả",
                   ONE, attrs={"form": "apology", **ZERO}))  # fmt: skip
        d.add(Node("apology_sent", "endEvent", "Đã gửi văn bản xin lỗi", ONE))
    d.add(Node("gw_after_processing", "exclusiveGateway", "Kết quả giải quyết?", ONE,
               default="f_gw_after_processing__return_result"))  # fmt: skip
    if supplement:
        d.add(Node("supplement", "userTask", "Tiếp nhận hồ sơ bổ sung", ONE,
                   attrs={"form": "supplement", "touchpoint": "visit", **ZERO}))  # fmt: skip
    d.add(Node("return_result", "userTask", return_name, ONE,
               attrs={"touchpoint": "collect", "deadlineShare": share(return_share)}))  # fmt: skip
    d.add(Node("result_returned", "endEvent", "Đã trả kết quả", ONE))
    d.flow("start", "receive")
    d.flow("receive", "gw_receive")
    d.flow("gw_receive", "notify_refusal", "Từ chối tiếp nhận", 'decision == "refuse"')
    d.flow("gw_receive", P, "Hợp lệ")
    d.flow("notify_refusal", "refused")
    d.flow(P, "gw_after_processing")
    if supplement:
        d.flow("gw_after_processing", "supplement", "Yêu cầu bổ sung", 'decision == "supplement"')
        d.flow("supplement", P, "Giải quyết lại")
    d.flow("gw_after_processing", "notify_refusal", "Từ chối", 'decision == "refuse"')
    d.flow("gw_after_processing", "return_result", "Có kết quả")
    d.flow("return_result", "result_returned")
    if late_timer:
        d.flow("late_timer", "apology_letter")
        d.flow("apology_letter", "apology_sent")


def task(d: Diagram, nid: str, name: str, lane: str, *, form: str | None = None,
         share_: float | None = None, actions: str = "", **attrs: str) -> Node:  # fmt: skip
    """Add a user task inside ``processing``."""
    extra = dict(attrs)
    if form:
        extra["form"] = form
    if actions:
        extra["actions"] = actions
    if share_ is not None:
        extra["deadlineShare"] = share(share_)
    return d.add(Node(nid, "userTask", name, lane, parent=P, attrs=extra))


def service(d: Diagram, nid: str, name: str, operation: str, params: dict[str, str], *,
            may_refuse: bool = False) -> Node:  # fmt: skip
    """Add a service task (an adapter call) in the system lane inside ``processing``.

    ``may_refuse`` declares ``lt:actions="refuse"``: the partner's refusal becomes the task's
    result (``refused``/``reason``) instead of an incident (`engine.partner_refusals`).
    """
    attrs = {"actions": "refuse"} if may_refuse else {}
    return d.add(Node(nid, "serviceTask", name, SYSTEM, parent=P, operation=operation,
                      parameters=params, attrs=attrs))  # fmt: skip


def node(d: Diagram, nid: str, kind: str, name: str | None, lane: str, **kw: object) -> Node:
    """Add any other flow node inside ``processing``."""
    return d.add(Node(nid, kind, name, lane, parent=P, **kw))  # type: ignore[arg-type]


def result_var(operation: str) -> str:
    """The task data variable an operation's answer lands in (the diagram's convention)."""
    return operation.replace(".", "_")


def refusable_service(d: Diagram, nid: str, name: str, operation: str, params: dict[str, str],
                      *, notice: str, lane: str = SYSTEM) -> tuple[str, str]:  # fmt: skip
    """Add a partner's service task that may refuse, its notice and the merge after it.

    Returns (first, last) node ids: connect the branch's entry to ``first`` and ``last`` to
    what follows. ``notice`` names the script task that writes the citizen's notice.
    """
    service(d, nid, name, operation, params, may_refuse=True)
    gw, merge = f"gw_{nid}", f"merge_{nid}"
    node(d, gw, "exclusiveGateway", "Đối tác chấp nhận?", lane, default=f"f_{gw}__{merge}")
    node(d, notice, "scriptTask", f"Lập thông báo: {name.lower()} không thực hiện được", lane)
    node(d, merge, "exclusiveGateway", None, lane)
    d.flow(nid, gw)
    d.flow(gw, notice, "Đối tác từ chối", f'{result_var(operation)}["refused"]')
    d.flow(gw, merge, "Đã thực hiện")
    d.flow(notice, merge)
    return nid, merge


def officer_decision(
    d: Diagram, nid: str, name: str, lane: str, *, form: str, field: str, share_: float,
    then: tuple[str, str], notice: str,
) -> tuple[str, str]:  # fmt: skip
    """Add a partner officer's decision: on ``field == "refused"`` a notice, else ``then``.

    ``then`` is the (first, last) of what follows an approval (usually a service task).
    Returns (first, last) node ids of the branch.
    """
    task(d, nid, name, lane, form=form, share_=share_)
    gw, merge = f"gw_{nid}", f"merge_{nid}"
    node(d, gw, "exclusiveGateway", "Chấp thuận?", lane, default=f"f_{gw}__{then[0]}")
    node(d, notice, "scriptTask", f"Lập thông báo: {name.lower()} không được chấp thuận", lane)
    node(d, merge, "exclusiveGateway", None, lane)
    d.flow(nid, gw)
    d.flow(gw, notice, "Không chấp thuận", f'{field} == "refused"')
    d.flow(gw, then[0], "Chấp thuận")
    d.flow(notice, merge)
    d.flow(then[1], merge)
    return nid, merge
