"""Attacks every page must shrug off: missing CSRF tokens, script in data, another agency's
dossier by URL, SQL metacharacters in filters. The checks walk the app's URL map, so pages
added later are covered too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.routing import Rule

from engine.models import AuditEvent, Dossier
from engine.runtime import Engine
from tests.engine.conftest import AGENCY, KET_HON
from tests.webui.conftest import csrf_token, login
from webui.security import csrf

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
APPLICANT = {"full_name": "Trần Bí Mật", "id_number": "079203001234", "phone": "0912345678"}
SQL = ["' OR '1'='1", "'; DROP TABLE users; --", '" OR 1=1 --', "%' --", "1; SELECT 1", "\\"]
FILTERS = (
    "q",
    "procedure",
    "status",
    "agency",
    "channel",
    "sort",
    "order",
    "page",
    "assignee",
    "role",
    "received_from",
    "received_to",
    "due",
    "code",
    "filter",
)


@pytest.fixture
def dossier(engine: Engine) -> Dossier:
    return engine.submit(KET_HON, applicant=dict(APPLICANT), agency_code=AGENCY, actor="mc")


def exempt(app: Flask, rule: Rule) -> bool:
    """Token-authenticated API views are exempt from CSRF by design."""
    names = {getattr(b, "name", b) for b in csrf._exempt_blueprints}
    view = app.view_functions[rule.endpoint]
    views = {getattr(v, "__name__", v) for v in csrf._exempt_views}
    qualified = f"{view.__module__}.{view.__name__}"
    return rule.endpoint.split(".")[0] in names or qualified in views


def fill(rule: Rule, engine: Engine, dossier: Dossier) -> str | None:
    """A URL for ``rule`` with real values (a real dossier, task, user); None if unknown args."""
    task = engine.list_tasks(dossier_code=dossier.code)[0]
    values: dict[str, object] = {}
    for arg in rule.arguments:
        if arg in ("code", "dossier_code", "ref"):
            values[arg] = dossier.code
        elif arg == "task_id":
            values[arg] = task.id
        elif arg == "username":
            values[arg] = "cv"
        elif arg in ("filename", "path"):
            return None
        elif arg in ("name", "fmt"):
            return None
        else:
            values[arg] = 1
    try:
        return rule.build(values, append_unknown=False)[1]
    except Exception:  # converters that refuse our guesses
        return None


def rules(app: Flask, method: str) -> Iterator[Rule]:
    for rule in app.url_map.iter_rules():
        if method in (rule.methods or ()) and rule.endpoint not in ("static", "vendor.asset"):
            yield rule


def audit_count(engine: Engine) -> int:
    with engine.db.read() as s:
        return s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def test_every_form_refuses_a_post_without_csrf_token(
    app: Flask, engine: Engine, dossier: Dossier, logged_in: Callable[[str], FlaskClient]
) -> None:
    client = logged_in("admin")
    checked = []
    for rule in rules(app, "POST"):
        if exempt(app, rule):
            continue
        url = fill(rule, engine, dossier)
        if url is None:
            continue
        before = audit_count(engine)
        response = client.post(url, data={"lang": "en", "full_name": "x", "password": "x" * 20})
        assert response.status_code == 400, f"{rule.rule} accepted a POST without CSRF token"
        assert audit_count(engine) == before, f"{rule.rule} changed something without a token"
        checked.append(rule.rule)
    assert {"/login", "/logout", "/tra-cuu/", "/admin/users/new"} <= set(checked)


def test_a_forged_token_is_refused_too(client: FlaskClient) -> None:
    response = client.post(
        "/login", data={"username": "cv", "password": "x", "csrf_token": "forged." * 5}
    )
    assert response.status_code == 400
    other = client.application.test_client()
    token = csrf_token(other)  # a real token of another session
    response = client.post("/login", data={"username": "cv", "password": "x", "csrf_token": token})
    assert response.status_code == 400


def test_another_agencys_dossier_is_not_reachable_by_url(
    app: Flask, engine: Engine, dossier: Dossier, logged_in: Callable[[str], FlaskClient]
) -> None:
    client = logged_in("outsider")  # every officer role, at another agency
    tried = []
    for rule in rules(app, "GET"):
        if not {"code", "task_id"} & set(rule.arguments) or exempt(app, rule):
            continue
        url = fill(rule, engine, dossier)
        if url is None:
            continue
        response = client.get(url)
        body = response.get_data()
        tried.append(rule.rule)
        for secret in (APPLICANT["full_name"], APPLICANT["id_number"], APPLICANT["phone"]):
            assert secret.encode() not in body, f"{url} shows {secret} to another agency"
        assert response.status_code in (302, 400, 403, 404), f"{url}: {response.status_code}"
    with engine.db.read() as s:
        opened = s.execute(
            select(AuditEvent).where(
                AuditEvent.action == "data_access", AuditEvent.actor == "outsider"
            )
        ).all()
    assert opened == [], "a refused view was logged as a data access"
    assert tried, "no dossier page to try"


def test_script_in_data_is_shown_as_text(
    app: Flask, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    dossier = engine.submit(
        KET_HON,
        applicant={"full_name": XSS, "id_number": "079203001234", "phone": "0912345678"},
        data={"note": XSS},
        agency_code=AGENCY,
        actor="mc",
    )
    engine.ensure_user("xss", XSS, AGENCY, ["specialist"])
    engine.record_data_access(dossier.code, "xss", XSS)
    officer = logged_in("admin")
    pages = ["/admin/users", "/admin/users/xss"]
    for rule in rules(app, "GET"):
        if {"code", "task_id"} & set(rule.arguments) and not exempt(app, rule):
            url = fill(rule, engine, dossier)
            if url is not None:
                pages.append(url)
    rendered = 0
    for url in pages:
        response = officer.get(url)
        if not response.content_type.startswith("text/html"):
            continue  # PDFs and downloads are not rendered by the browser as HTML
        body = response.get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, url
        rendered += response.status_code == 200 and "&lt;script&gt;" in body
    assert rendered >= 3, "too few pages showed the hostile data to check"
    public = app.test_client()
    body = public.post(
        "/tra-cuu/",
        data={"code": dossier.code, "secret": "1234", "csrf_token": csrf_token(public)},
    ).get_data(as_text=True)
    assert "&lt;script&gt;" in body  # the data-access entry, escaped
    assert "<script>alert" not in body


def test_sql_metacharacters_in_filters_are_harmless(
    app: Flask, engine: Engine, dossier: Dossier, logged_in: Callable[[str], FlaskClient]
) -> None:
    client = logged_in("admin")
    lists = [r for r in rules(app, "GET") if not r.arguments and not exempt(app, r)]
    assert lists
    for rule in lists:
        for payload in SQL:
            response = client.get(rule.rule, query_string={k: payload for k in FILTERS})
            assert response.status_code < 500, f"{rule.rule} with {payload!r}"
    page = client.get("/admin/users", query_string={"q": "' OR '1'='1"}).get_data(as_text=True)
    assert "Không có tài khoản nào." in page  # matched as text, not as SQL
    assert engine.account("cv") is not None  # and nothing was dropped


def test_public_lookup_with_sql_metacharacters(client: FlaskClient, dossier: Dossier) -> None:
    for payload in SQL:
        response = client.post(
            "/tra-cuu/",
            data={"code": payload, "secret": payload, "csrf_token": csrf_token(client)},
        )
        assert response.status_code == 404


def test_every_page_sends_the_security_headers(client: FlaskClient) -> None:
    for url in ("/login", "/tra-cuu/", "/no-such-page"):
        headers = client.get(url).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_nonce_changes_every_request(client: FlaskClient) -> None:
    nonces = {
        re.search(r"nonce-([\w-]+)", client.get("/login").headers["Content-Security-Policy"])[1]
        for _ in range(3)
    }
    assert len(nonces) == 3


def test_username_variants_do_not_dodge_the_lock(client: FlaskClient, engine: Engine) -> None:
    for _ in range(engine.settings.login_max_failures):
        login(client, "cv", "sai-mat-khau-roi")
    for variant in ("cv", " cv ", "CV", "cv\x00"):
        assert login(client, variant).status_code in (400, 401), repr(variant)


def test_passwords_are_stored_as_argon2id(engine: Engine) -> None:
    engine.set_password("cv", "một mật khẩu rất dài")
    from engine.models import User

    with engine.db.read() as s:
        stored = s.execute(select(User.password_hash).where(User.username == "cv")).scalar_one()
    assert stored.startswith("$argon2id$") and "một" not in stored


def test_sign_in_attempts_are_rate_limited_per_address(client: FlaskClient, engine: Engine) -> None:
    limit = int(engine.settings.login_limit.split()[0])
    users = ["cv", "cv2", "mc", "mc2", "tp", "ld"]
    for i in range(limit):  # spread over accounts: no single account reaches its lock-out
        assert login(client, users[i % len(users)], "sai-mat-khau-roi").status_code == 401
    assert login(client, "ld").status_code == 429  # even the right password waits now
