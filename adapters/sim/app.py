"""Give every simulator the same skeleton: Flask app, SQLite, auth, idempotent writes, faults."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, request

from adapters.sim.faults import FaultMiddleware, Faults

IDEMPOTENCY_SQL = """
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL
)"""


class SimError(Exception):
    """A business error the simulator answers with a 4xx and a JSON body.

    The message is Vietnamese: a refusal's message is the reason officers see on the incident
    and citizens read in their notice (`engine.partner_refusals`); the code stays for programs.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _answer(body: dict, status: int = 200) -> tuple[str, int, dict]:
    text = json.dumps(body, ensure_ascii=False)
    return text, status, {"Content-Type": "application/json; charset=utf-8"}


def _error(status: int, code: str, message: str):
    return _answer({"error": {"code": code, "message": message}}, status)


class Simulator:
    """One registry simulator; `install(sim)` adds its schema, seed data and routes."""

    def __init__(
        self,
        name: str,
        *,
        token: str,
        install: Callable[[Simulator], None],
        data_dir: str | None = None,
        faults: str = "",
    ) -> None:
        self.name = name
        self.token = token
        directory = data_dir or tempfile.mkdtemp(prefix="lienthong-sim-")
        os.makedirs(directory, exist_ok=True)
        self.db_path = os.path.join(directory, f"{name}.sqlite3")
        self.faults = Faults.parse(faults)
        self.write_lock = threading.Lock()
        self.app = Flask(f"lienthong_sim_{name}")
        self.app.wsgi_app = FaultMiddleware(self.app.wsgi_app, self.faults)
        self.tables: list[str] = []
        self.app.add_url_rule("/health", "health", self._health)
        self.app.add_url_rule("/_faults", "faults", self._faults, methods=["GET", "PUT"])
        self.app.register_error_handler(404, self._no_route)
        self.app.register_error_handler(405, self._bad_method)
        self.execute(IDEMPOTENCY_SQL)
        install(self)

    # -- database -------------------------------------------------------------------------
    def connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.db_path, timeout=10, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # a simulator may lose its last write on a crash
        return db

    def execute(self, sql: str) -> None:
        with self.connect() as db:
            db.executescript(sql)
        db.close()

    def schema(self, sql: str, seed: Callable[[sqlite3.Connection], None]) -> None:
        """Create the tables and seed them once (the seed is deterministic)."""
        self.execute(sql)
        self.tables = [
            s.split("(")[0].split()[-1] for s in sql.split(";") if "CREATE TABLE" in s.upper()
        ]
        db = self.connect()
        try:
            if db.execute(f"SELECT COUNT(*) FROM {self.tables[0]}").fetchone()[0] == 0:
                db.execute("BEGIN IMMEDIATE")
                seed(db)
                db.execute("COMMIT")
        finally:
            db.close()

    def count(self, table: str) -> int:
        db = self.connect()
        try:
            return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        finally:
            db.close()

    # -- routes ---------------------------------------------------------------------------
    def _authorised(self) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.token}"

    def read(self, rule: str) -> Callable:
        """Register a GET handler `fn(db, args, **path) -> dict`."""

        def register(fn: Callable[..., dict]) -> Callable:
            @functools.wraps(fn)
            def view(**path: Any):
                if not self._authorised():
                    return _error(401, "unauthorised", "thiếu hoặc sai mã truy cập (bearer token)")
                db = self.connect()
                try:
                    return _answer(fn(db, request.args, **path))
                except SimError as exc:
                    return _error(exc.status, exc.code, exc.message)
                finally:
                    db.close()

            self.app.add_url_rule(rule, f"read_{fn.__name__}", view, methods=["GET"])
            return fn

        return register

    def write(self, rule: str) -> Callable:
        """Register a POST handler `fn(db, body, **path) -> dict`, honouring Idempotency-Key.

        A repeated key with the same request replays the first answer and writes nothing;
        with a different request it is refused (422), as payment APIs do.
        """

        def register(fn: Callable[..., dict]) -> Callable:
            @functools.wraps(fn)
            def view(**path: Any):
                if not self._authorised():
                    return _error(401, "unauthorised", "thiếu hoặc sai mã truy cập (bearer token)")
                key = request.headers.get("Idempotency-Key")
                if not key:
                    return _error(
                        400, "idempotency_key_required", "yêu cầu ghi phải có Idempotency-Key"
                    )
                body = request.get_json(silent=True)
                if not isinstance(body, dict):
                    return _error(400, "bad_json", "nội dung yêu cầu phải là một đối tượng JSON")
                canon = json.dumps([request.path, body], sort_keys=True, ensure_ascii=False)
                fingerprint = hashlib.sha256(canon.encode()).hexdigest()
                with self.write_lock:
                    return self._write_once(fn, key, fingerprint, body, path)

            self.app.add_url_rule(rule, f"write_{fn.__name__}", view, methods=["POST"])
            return fn

        return register

    def _write_once(self, fn, key: str, fingerprint: str, body: dict, path: dict):
        db = self.connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            seen = db.execute(
                "SELECT fingerprint, status, body FROM idempotency WHERE key = ?", (key,)
            ).fetchone()
            if seen is not None:
                db.execute("ROLLBACK")
                if seen["fingerprint"] != fingerprint:
                    return _error(
                        422,
                        "idempotency_key_reused",
                        f"khóa {key!r} đã được dùng cho một yêu cầu khác",
                    )
                text, status, headers = _answer(json.loads(seen["body"]), seen["status"])
                return text, status, {**headers, "Idempotent-Replayed": "true"}
            try:
                status, answer = 201, fn(db, body, **path)
            except SimError as exc:
                db.execute("ROLLBACK")
                db.execute("BEGIN IMMEDIATE")
                status, answer = exc.status, {"error": {"code": exc.code, "message": exc.message}}
            db.execute(
                "INSERT INTO idempotency (key, fingerprint, status, body) VALUES (?, ?, ?, ?)",
                (key, fingerprint, status, json.dumps(answer, ensure_ascii=False)),
            )
            db.execute("COMMIT")
            return _answer(answer, status)
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def _health(self):
        counts = {t: self.count(t) for t in self.tables}
        return _answer({"status": "ok", "system": self.name, "records": counts})

    def _no_route(self, _error_page):
        """Answer an unknown path in Vietnamese: the adapter passes the words on as a refusal."""
        return _error(404, "no_route", f"{self.name}: không có đường dẫn {request.path}")

    def _bad_method(self, _error_page):
        return _error(
            405,
            "bad_method",
            f"{self.name}: {request.path} không nhận phương thức {request.method}",
        )

    def _faults(self):
        if not self._authorised():
            return _error(401, "unauthorised", "thiếu hoặc sai mã truy cập (bearer token)")
        if request.method == "PUT":
            values = request.get_json(silent=True)
            if not isinstance(values, dict):
                return _error(400, "bad_json", "gửi một đối tượng JSON các thiết lập lỗi giả lập")
            try:
                self.faults.reset() if values.pop("reset", False) else None
                self.faults.set(**values)
            except Exception as exc:  # InvalidInput: shown to the caller as is
                return _error(400, "bad_fault", str(exc))
        return _answer(self.faults.as_dict())


def require(body: dict, *names: str) -> list[Any]:
    """Fetch required fields from a request body or answer 400 naming the missing ones."""
    missing = [n for n in names if body.get(n) in (None, "")]
    if missing:
        raise SimError(400, "missing_fields", f"thiếu trường: {', '.join(missing)}")
    return [body[n] for n in names]
