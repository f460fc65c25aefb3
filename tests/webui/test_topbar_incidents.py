"""The incidents link in the top bar carries the open-incident count for its deciders."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from engine.runtime import Engine
from tests.engine.conftest import AGENCY
from tests.webui.test_incidents import dossier, engine, engine_db_url, fake  # noqa: F401

COUNT = re.compile(r'data-testid="incident-count"[^>]*>(\d+\+?)<')


def count(client: FlaskClient, path: str = "/account/password") -> str | None:
    response = client.get(path)
    assert response.status_code == 200
    found = COUNT.search(response.get_data(as_text=True))
    return found.group(1) if found else None


def test_heads_of_unit_and_admins_see_the_open_incidents(
    engine: Engine, dossier: Any, logged_in: Callable  # noqa: F811
) -> None:
    assert engine.count_incidents(agency_code=AGENCY) == 1
    assert count(logged_in("tp")) == "1"
    assert count(logged_in("admin"), "/tra-cuu/") == "1"
    assert count(logged_in("cv")) is None  # a specialist does not decide about incidents
    assert engine.count_incidents(agency_code="000.00.00.X99") == 0


def test_a_retried_incident_leaves_the_count(
    engine: Engine, dossier: Any, logged_in: Callable  # noqa: F811
) -> None:
    (incident,) = engine.list_incidents(agency_code=AGENCY)
    engine.cancel_incident(incident.job_id, user="tp", reason="Hệ thống đối tác ngừng hoạt động")
    assert count(logged_in("tp")) == "0"
