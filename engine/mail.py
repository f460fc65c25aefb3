"""The one way to reach the SMTP server: citizens' notifications and leaders' reports share it."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from .settings import Settings


def smtp_send(settings: Settings, msg: EmailMessage, *, timeout: float) -> None:
    """Send ``msg`` as the settings say (``tls``, ``starttls`` or plain; log in if a user is set).

    Errors (``OSError``, ``smtplib.SMTPException``) pass through untouched: a notification
    turns them into a retry, a report into a loud failure, so each caller words its own.
    """
    if settings.smtp_security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.smtp_host,
            settings.smtp_port,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(msg)
