"""Every engine setting, its default and what it is for, in one place.

Values come from ``LIENTHONG_<NAME>`` environment variables, then from the mapping passed
to :func:`load` (tests, the web app's config). ``tests/engine/test_docs.py`` fails when a
setting here is missing from ``docs/settings.md``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Settings:
    #: SQLAlchemy URL; SQLite (WAL) for the embedded default, PostgreSQL for a province.
    database_url: str = "sqlite:///instance/lienthong.sqlite"
    #: "celery" queues service tasks as Celery tasks after the step commits; "inprocess" runs
    #: them directly in the caller's thread; "deferred" collects them for ``tick``/tests.
    executor: str = "celery"
    #: Run Celery tasks eagerly in the calling process (the embedded default: no broker, no
    #: worker); set to false for the distributed mode with separate workers.
    celery_eager: bool = True
    #: Celery broker for the distributed mode.
    broker_url: str = "redis://127.0.0.1:6379/0"
    #: Largest BPMN file accepted, in bytes (a hostile 50 MB upload is refused before parsing).
    max_bpmn_bytes: int = 5_000_000
    #: Workflows kept in memory per process for its next step of the same dossier (0: off);
    #: a step that finds its dossier's saved workflow here skips rebuilding it from the row.
    workflow_cache_size: int = 512
    #: Province calendar (make-up working days, extra days off) loaded at start, YAML.
    calendar_file: str = ""
    #: Share of a step's time left at which the step is flagged near-due.
    warn_share: float = 0.25
    #: Role that late steps are escalated to.
    escalation_role: str = "head_of_unit"
    #: Attempts for a failing service task before it becomes an incident for a person.
    service_max_attempts: int = 5
    #: Seconds between service-task retries (doubled each attempt).
    service_retry_base_s: float = 30.0
    #: Seconds a due service job or message may sit after being handed to the broker (or
    #: picked up) before the sweeper publishes it again (a lost publish, a dead worker).
    sweep_grace_s: float = 120.0
    #: Seconds between two runs of the sweeper scheduled by ``lienthong scheduler``.
    sweep_interval_s: float = 30.0
    #: Redis broker: seconds before a task taken by a worker that vanished is delivered again.
    broker_visibility_timeout_s: float = 3600.0
    #: Hour of the day (Vietnam time) at which ``lienthong scheduler`` runs the late report.
    late_report_hour: int = 7
    #: Folder the daily late-dossier report is written to (one JSON file per day).
    report_dir: str = "instance/reports"
    #: ``module:function`` that calls external systems for service tasks in workers; empty:
    #: the adapters' registry (``lienthong.adapters`` entry points).
    service_caller: str = ""
    #: Agency code used for demo data and for procedures that name none.
    default_agency: str = "000.00.00.H56"
    #: Key that signs the web app's session cookies; empty: one is generated on first start
    #: and kept in ``instance/secret_key`` (set it when several web processes share sessions).
    secret_key: str = ""
    #: Send the session cookie only over HTTPS (true behind a TLS proxy in production).
    session_cookie_secure: bool = False
    #: Hours a signed-in session lasts without activity before the officer signs in again.
    session_hours: float = 8.0
    #: Failed sign-ins in a row after which an account is locked.
    login_max_failures: int = 5
    #: Minutes a locked account stays locked.
    login_lockout_minutes: float = 15.0
    #: Shortest password accepted when a password is set.
    password_min_length: int = 10
    #: Where the rate limiter counts requests; empty: in memory (embedded), or ``broker_url``'s
    #: Redis when ``celery_eager`` is false (distributed: every web process shares the counts).
    ratelimit_storage_url: str = ""
    #: Public status look-ups allowed per client address (Flask-Limiter notation).
    public_lookup_limit: str = "10 per minute"
    #: Sign-in attempts allowed per client address, whatever the usernames tried.
    login_limit: str = "20 per minute"
    #: Reverse proxies in front of the web app whose X-Forwarded-For/-Proto are trusted (0: none).
    proxy_hops: int = 0
    #: Seconds between scheduler ticks run by ``lienthong serve`` in the embedded mode (0: off).
    tick_interval_s: float = 60.0
    # -- online channel (issue 10) ----------------------------------------------------------
    #: Keep the national portal in sync: every status change writes a row to the portal
    #: outbox in the step's transaction, and ``tick`` pushes the outbox until acknowledged.
    portal_sync: bool = False
    #: Seconds before a failed portal push or notification is retried (doubled each attempt,
    #: capped at one hour); they are retried until acknowledged.
    outbox_retry_base_s: float = 30.0
    #: SMTP server for email notifications; empty: emails are recorded but not sent.
    smtp_host: str = ""
    #: SMTP port (25 plain, 587 with STARTTLS, 465 TLS).
    smtp_port: int = 25
    #: Sender address of notification emails.
    smtp_sender: str = "LiênThông <khong-tra-loi@lienthong.local>"
    #: SMTP user name (empty: no login).
    smtp_user: str = ""
    #: SMTP password.
    smtp_password: str = ""
    #: Upgrade the SMTP connection with STARTTLS (``tls`` for implicit TLS on 465).
    smtp_security: str = "none"
    #: Send SMS notifications through the ``sms`` adapter for applicants with a phone number.
    sms_notifications: bool = True
    #: Shared secret the payment gateway signs its callbacks with (HMAC-SHA256).
    payment_secret: str = "sim-payment-secret"
    #: Largest document accepted through the API, the citizen pages or the counter, in bytes.
    max_upload_bytes: int = 10_000_000
    #: Requests per API client (Flask-Limiter notation).
    api_client_limit: str = "600 per minute"
    #: Requests per client address on the API and the citizen pages.
    api_ip_limit: str = "300 per minute"
    # -- leaders' dashboard (issue 11) ------------------------------------------------------
    #: YAML file with the weights of the Decision 766 index groups; empty: the built-in
    #: ``engine/data/index766.yaml``.
    index766_file: str = ""
    #: Working days before its due date at which an open dossier is listed as near-due.
    near_due_days: float = 1.0
    #: Comma-separated e-mail addresses the daily late-dossier report is sent to.
    report_recipients: str = ""


#: How a refused environment value's expected type is named to the person who set it.
KINDS = {int: "số nguyên", float: "số"}


def load(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Build settings from defaults, then the environment, then ``overrides``."""
    values: dict[str, Any] = {}
    for f in fields(Settings):
        env = os.environ.get(f"LIENTHONG_{f.name.upper()}")
        if env is not None:
            try:
                values[f.name] = _coerce(env, type(f.default))
            except ValueError:  # Python's "invalid literal for int()" names no variable
                kind = KINDS.get(type(f.default), type(f.default).__name__)
                raise ValueError(
                    f"LIENTHONG_{f.name.upper()}={env!r}: giá trị phải là {kind}"
                ) from None
    for key, value in (overrides or {}).items():
        if key not in {f.name for f in fields(Settings)}:
            raise KeyError(f"không có cấu hình {key!r}")
        values[key] = value
    return Settings(**values)


def _coerce(raw: str, kind: type) -> Any:
    if kind is bool:
        return raw.lower() in {"1", "true", "yes", "on"}
    return kind(raw)
