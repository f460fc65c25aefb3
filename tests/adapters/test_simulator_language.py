"""The adapters and simulators answer people in Vietnamese.

A simulator's refusal is the reason officers see on an incident and citizens read in their
notice (``engine.partner_refusals``); an adapter's own error (a registry that does not answer,
a field it will not send) is the incident officers read on /su-co, the task board and the
dossier page, and a field's message is what an officer sees under a prefilled form field or a
citizen at the VNeID sign-in. The web UI shows these texts as they are (it cannot translate an
engine error), so they are written in Vietnamese at the source.

Read from the source, so a new message written in English fails here before anyone sees it;
the field checks are also run on bad values, so an English message from Python itself (an
``int()`` or ``fromisoformat`` error passed on) fails too.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from adapters import validation as v
from adapters.errors import InvalidParams
from adapters.payment import amount, url
from adapters.payment import text as payment_text
from adapters.portal import portal_date, to_portal
from adapters.registry import GROUP
from adapters.sms import text as sms_text
from adapters.sms import vn_phone
from tests.language import is_vietnamese as _is_vietnamese
from tests.language import messages

ADAPTERS = Path(__file__).resolve().parents[2] / "adapters"
SIMULATORS = sorted(ADAPTERS.glob("*/simulator.py")) + [ADAPTERS / "sim" / "app.py"]
#: The client side: the HTTP base, the registry, field checks, each adapter, the fault injector
#: and `lienthong adapters …`/`simulators …` (what they print as well as their errors).
CLIENTS = (
    sorted(ADAPTERS.glob("*.py"))
    + sorted(ADAPTERS.glob("*/__init__.py"))
    + [ADAPTERS / "sim" / "faults.py"]
)
#: Where the message is among a call's positional arguments (else the first).
MESSAGE_ARG = {"SimError": 2, "_error": 2, "_Failure": 1}
#: Calls that build an error from a message, besides any `…Error`/`…Timeout` class, and the
#: CLI's own output (`click.echo`, its usage errors).
ERROR_BUILDERS = {"failure", "InvalidParams", "Refused", "UnknownOperation", "InvalidInput"}
ERROR_BUILDERS |= {"echo", "BadParameter", "ClickException"}


def _messages(path: Path) -> list[tuple[int, str]]:
    """The literal text of every error built in the module (raise, `failure`, `SimError`…)."""
    return messages(path, ERROR_BUILDERS, MESSAGE_ARG)


def test_every_module_is_read() -> None:
    assert len(SIMULATORS) >= 11 and sum(len(_messages(p)) for p in SIMULATORS) >= 40
    read = {p.relative_to(ADAPTERS).as_posix() for p in CLIENTS}
    assert {"http.py", "validation.py", "registry.py", "identifiers.py", "cli.py"} <= read
    assert sum(len(_messages(p)) for p in CLIENTS) >= 40


@pytest.mark.parametrize(
    "path", SIMULATORS + CLIENTS, ids=lambda p: p.relative_to(ADAPTERS).as_posix()
)
def test_messages_are_in_vietnamese(path: Path) -> None:
    english = [(line, text) for line, text in _messages(path) if not _is_vietnamese(text)]
    assert english == [], f"{path.relative_to(ADAPTERS.parent)}: messages without Vietnamese"


#: Values a form or a model may hand a field: wrong type, empty, too long, malformed, future.
BAD_VALUES: list[Any] = [
    "x", "   ", -1, 0, 1.5, "1.5", "²", True, [], {}, "9" * 1200, "2999-01-01", "01/02/2020",
    "2025-07-01T08:00:00", "07409608659", "999096086598", "074996086598", "3700000001",
    "3700000000-000", "+1 555 0100", "ftp://x", "99999", "10000000001",
]  # fmt: skip
CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "personal_id": v.personal_id,
    "enterprise_code": v.enterprise_code,
    "iso_date": v.iso_date,
    "text": v.text,
    "positive_int": v.positive_int,
    "commune": v.commune,
    "one_of": v.one_of("1", "2"),
    "sex": v.sex,
    "payment.amount": amount,
    "payment.text": payment_text(80),
    "payment.url": url,
    "sms.vn_phone": vn_phone,
    "sms.text": sms_text,
    "portal_date": portal_date,
}


@pytest.mark.parametrize("name", CONVERTERS)
def test_field_checks_say_what_is_wrong_in_vietnamese(name: str) -> None:
    refused = {}
    for value in BAD_VALUES:
        try:
            CONVERTERS[name](value)
        except (ValueError, TypeError) as exc:
            refused[repr(value)[:20]] = str(exc)
    assert len(refused) >= 2, f"{name} refused almost nothing: {refused}"
    english = {value: text for value, text in refused.items() if not _is_vietnamese(text)}
    assert english == {}


def _operations() -> list[tuple[str, Callable[[Any], dict]]]:
    ops = []
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        for op in ep.load().operations.values():
            if op.validate is not None:
                ops.append((f"{ep.name}.{op.name}", op.validate))
    return ops


OPERATIONS = _operations()


@pytest.mark.parametrize(("operation", "validate"), OPERATIONS, ids=[o for o, _ in OPERATIONS])
def test_missing_unexpected_and_unreadable_parameters_are_named_in_vietnamese(
    operation: str, validate: Callable[[Any], dict]
) -> None:
    """What an incident says when a model sends an operation nothing, a stray field or junk."""
    messages = []
    for params in ({}, {"ma_la": 1}, "không phải đối tượng"):
        with pytest.raises(InvalidParams) as err:
            validate(params)
        messages += [str(err.value), *(m for ms in err.value.errors.values() for m in ms)]
    english = [m for m in messages if not _is_vietnamese(m)]
    assert len(OPERATIONS) >= 20 and english == []


def test_a_bad_portal_status_update_names_each_field_in_vietnamese() -> None:
    with pytest.raises(InvalidParams) as err:
        to_portal({"dossier_code": "X", "status": "lost", "event": "?", "due_at": "mai"})
    assert set(err.value.errors) == {"procedure_code", "status", "event", "received_at", "due_at"}
    assert str(err.value).startswith("bản cập nhật trạng thái không hợp lệ: due_at: 'mai'")
    assert all(_is_vietnamese(m) for ms in err.value.errors.values() for m in ms)


def _adapters() -> list[Any]:
    return [ep.load() for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name)]


def test_operation_summaries_are_in_vietnamese() -> None:
    """The designer studio lists each operation with its summary for a service task's select."""
    summaries = {
        f"{adapter.name}.{op.name}": op.summary
        for adapter in _adapters()
        for op in adapter.operations.values()
    }
    english = {op: text for op, text in summaries.items() if not _is_vietnamese(text)}
    assert len(summaries) >= 20 and english == {}


def test_adapter_titles_are_in_vietnamese() -> None:
    english = [a.title for a in _adapters() if not _is_vietnamese(a.title)]
    assert len(_adapters()) >= 10 and english == []


def test_the_cli_prints_kinds_health_and_circuit_states_in_vietnamese() -> None:
    from adapters import cli, http

    words = [*cli.KINDS.values(), *cli.HEALTH_MARKS.values(), *http.CIRCUIT_STATES.values()]
    # "ghi" (write) is Vietnamese without a mark; "-" is a health not checked.
    english = [w for w in words if w not in {"-", "ghi"} and not _is_vietnamese(w)]
    assert english == [] and set(cli.KINDS) == {"read", "write"}
