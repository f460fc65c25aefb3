"""The daily late-dossier report leaders receive: built from the live figures, sent by e-mail.

``send_daily_report(engine, now)`` is what a scheduler calls once a day (the distributed
mode's Celery beat, or ``lienthong scheduler``): it builds the report as of ``now``, renders
it as PDF and Excel, and mails both to the addresses in ``report_recipients`` through the
``smtp_*`` settings. The same builders serve the dashboard's downloads, so the file a
leader opens says what the page says.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING, Any

from .errors import LienThongError
from .mail import smtp_send
from .metrics import Figures, agency_names, compute
from .metrics_backlog import BacklogRow, backlog, backlog_by_agency
from .metrics_period import Period, Scope

if TYPE_CHECKING:
    from .runtime import Engine

_EPS = timedelta(microseconds=1)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportError(LienThongError):
    """The report could not be delivered (no SMTP server, refused recipients …)."""


@dataclass
class AgencyLine:
    code: str
    name: str
    late: int
    near_due: int


@dataclass
class DailyReport:
    """What the daily report says, before it is laid out as PDF or Excel."""

    generated_at: datetime
    day: Period  # the day just ended (received/settled figures)
    month: Period  # month to date
    day_figures: Figures
    month_figures: Figures
    late: list[BacklogRow] = field(default_factory=list)
    near_due: list[BacklogRow] = field(default_factory=list)
    agencies: list[AgencyLine] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Báo cáo hồ sơ trễ hạn ngày {self.generated_at:%d/%m/%Y}"

    @property
    def stem(self) -> str:
        return f"bao-cao-tre-han-{self.generated_at:%Y-%m-%d}"


def build_daily_report(engine: Engine, now: datetime, scope: Scope | None = None) -> DailyReport:
    """Late and near-due dossiers as of ``now``, with yesterday's and the month's figures."""
    tz = engine.calendar.tz
    local = now.astimezone(tz)
    today = Period.named("day", local.date(), tz)
    yesterday = today.previous()
    first = Period.named("month", local.date(), tz).start
    month = Period(first, max(now, first + _EPS), "range")  # month to date
    rows = backlog(engine, now, scope)
    names = agency_names(engine)
    counts = backlog_by_agency(rows)
    agencies = [
        AgencyLine(code, names.get(code, (code, ""))[0], c["late"], c["near_due"])
        for code, c in counts.items()
    ]
    agencies.sort(key=lambda a: (-a.late, -a.near_due, a.code))
    return DailyReport(
        generated_at=local,
        day=yesterday,
        month=month,
        day_figures=compute(engine, yesterday, scope)["*"],
        month_figures=compute(engine, month, scope)["*"],
        late=[r for r in rows if r.late],
        near_due=[r for r in rows if not r.late],
        agencies=agencies,
    )


def recipients(engine: Engine) -> list[str]:
    return [a.strip() for a in engine.settings.report_recipients.split(",") if a.strip()]


def send_daily_report(engine: Engine, now: datetime | None = None) -> dict[str, Any]:
    """Build today's report and mail it (PDF + Excel) to the leaders; say what was done.

    With no recipients configured the report is built (so a broken report still fails
    loudly in the scheduler's log) but nothing is sent.
    """
    from .reports_pdf import render_pdf
    from .reports_xlsx import render_xlsx

    now = now or engine.clock.now()
    report = build_daily_report(engine, now)
    pdf, xlsx = render_pdf(report), render_xlsx(report)
    to = recipients(engine)
    summary = {
        "day": report.generated_at.date().isoformat(),
        "late": len(report.late),
        "near_due": len(report.near_due),
        "recipients": len(to),
        "sent": False,
    }
    if not to:
        return summary
    msg = EmailMessage()
    msg["From"] = engine.settings.smtp_sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = report.title
    msg["Message-ID"] = make_msgid(domain="lienthong.local")
    msg.set_content(_body(report), charset="utf-8")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{report.stem}.pdf")
    maintype, subtype = XLSX_TYPE.split("/")
    msg.add_attachment(xlsx, maintype=maintype, subtype=subtype, filename=f"{report.stem}.xlsx")
    _smtp_send(engine, msg)
    summary.update(sent=True, message_id=msg["Message-ID"])
    return summary


def _body(report: DailyReport) -> str:
    lines = [
        f"{report.title}.",
        "",
        f"Hồ sơ trễ hạn đang xử lý: {len(report.late)}",
        f"Hồ sơ sắp đến hạn: {len(report.near_due)}",
        "",
    ]
    for a in report.agencies:
        lines.append(f"- {a.name}: {a.late} trễ hạn, {a.near_due} sắp đến hạn")
    lines += ["", "Chi tiết trong tệp PDF và Excel đính kèm."]
    return "\n".join(lines)


def _smtp_send(engine: Engine, msg: EmailMessage) -> None:
    cfg = engine.settings
    if not cfg.smtp_host:
        raise ReportError("SMTP chưa được cấu hình (smtp_host): không gửi được báo cáo")
    try:
        smtp_send(cfg, msg, timeout=30)
    except (OSError, smtplib.SMTPException) as exc:
        raise ReportError(f"không gửi được báo cáo qua {cfg.smtp_host}: {exc}") from None
