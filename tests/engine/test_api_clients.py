"""API clients and idempotency keys: hashed tokens, scopes, agencies, revocation, replays."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from engine import api_clients, idempotency
from engine.errors import InvalidInput
from engine.models import ApiClient, IdempotencyRecord
from tests.engine.conftest import AGENCY, OTHER_AGENCY, count


def test_tokens_are_hashed_scoped_and_revocable(engine):
    client, token = api_clients.create_client(
        engine, "cong-dvc-quoc-gia", scopes=["dossiers:read"], agencies=[AGENCY]
    )
    with engine.db.read() as s:
        stored = s.execute(select(ApiClient)).scalar_one()
    assert token not in (stored.token_hash, stored.token_prefix) and len(stored.token_hash) == 64
    who = api_clients.authenticate(engine, token)
    assert who.name == "cong-dvc-quoc-gia"
    who.require("dossiers:read")
    who.require_agency(AGENCY)
    with pytest.raises(api_clients.ScopeError, match="dossiers:submit"):
        who.require("dossiers:submit")
    with pytest.raises(api_clients.ScopeError, match=OTHER_AGENCY):
        who.require_agency(OTHER_AGENCY)
    tampered = token[:-1] + ("B" if token.endswith("A") else "A")
    for bad in (None, "", "Bearer x", tampered, "lt_nope_nope"):
        with pytest.raises(api_clients.AuthError):
            api_clients.authenticate(engine, bad)
    api_clients.revoke_client(engine, "cong-dvc-quoc-gia")
    with pytest.raises(api_clients.AuthError, match="đã bị thu hồi"):
        api_clients.authenticate(engine, token)


def test_bad_clients_are_refused(engine):
    with pytest.raises(InvalidInput, match="phải có tên"):
        api_clients.create_client(engine, "  ")
    with pytest.raises(InvalidInput, match="phạm vi quyền"):
        api_clients.create_client(engine, "x", scopes=["everything"])
    api_clients.create_client(engine, "x")
    with pytest.raises(InvalidInput, match="đã có ứng dụng kết nối tên"):
        api_clients.create_client(engine, "x")


def test_a_key_replays_the_first_answer_and_refuses_another_body(engine):
    calls = []

    def act():
        calls.append(1)
        return 201, {"n": len(calls)}, None

    fp = idempotency.request_hash("submit", {"a": 1})
    first = idempotency.run_once(engine, "portal", "k1", fp, act)
    again = idempotency.run_once(engine, "portal", "k1", fp, act)
    assert (first.body, first.replayed, again.body, again.replayed) == (
        {"n": 1},
        False,
        {"n": 1},
        True,
    )
    assert calls == [1]
    other = idempotency.request_hash("submit", {"a": 2})
    with pytest.raises(idempotency.KeyReused):
        idempotency.run_once(engine, "portal", "k1", other, act)
    assert idempotency.run_once(engine, "other-client", "k1", other, act).body == {"n": 2}


def test_a_failed_write_frees_its_key(engine):
    fp = idempotency.request_hash("x")

    def boom():
        raise InvalidInput("bad")

    with pytest.raises(InvalidInput):
        idempotency.run_once(engine, "c", "k", fp, boom)
    assert count(engine, IdempotencyRecord) == 0
    assert idempotency.run_once(engine, "c", "k", fp, lambda: (200, {}, None)).status == 200


def test_concurrent_retries_write_once(engine):
    started, release = threading.Event(), threading.Event()
    calls, outcomes = [], []

    def slow():
        calls.append(1)
        started.set()
        release.wait(5)
        return 201, {"done": True}, None

    fp = idempotency.request_hash("y")
    t = threading.Thread(
        target=lambda: outcomes.append(idempotency.run_once(engine, "c", "k", fp, slow))
    )
    t.start()
    started.wait(5)
    with pytest.raises(idempotency.InProgress):
        idempotency.run_once(engine, "c", "k", fp, slow)
    release.set()
    t.join(5)
    assert calls == [1] and outcomes[0].status == 201
    assert idempotency.run_once(engine, "c", "k", fp, slow).replayed


@pytest.mark.parametrize("key", ["", " ", "x" * 121, "a\nb"])
def test_malformed_keys_are_refused(key):
    with pytest.raises(InvalidInput, match="Idempotency-Key"):
        idempotency.check_key(key)
