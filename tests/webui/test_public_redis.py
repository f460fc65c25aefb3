"""Distributed mode: every web process counts public look-ups in the same Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient

from engine.runtime import Engine
from tests.webui.conftest import csrf_token
from webui.security import ratelimit_storage

pytestmark = pytest.mark.redis

#: This test package's own Redis database, so other suites' keys are never touched.
REDIS_DB = 7


def redis_url() -> str:
    base = os.environ.get("LIENTHONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    return base.rsplit("/", 1)[0] + f"/{REDIS_DB}"


@pytest.fixture
def engine_settings() -> dict[str, Any]:
    redis.Redis.from_url(redis_url()).flushdb()
    return {"celery_eager": False, "broker_url": redis_url(), "public_lookup_limit": "4/minute"}


OTHER_PROCESS = """
import sys
from engine.runtime import Engine
from engine.settings import load
from webui.app import create_app
url, broker = sys.argv[1], sys.argv[2]
engine = Engine(load({"database_url": url, "celery_eager": False, "broker_url": broker,
                      "public_lookup_limit": "4/minute"}))
app = create_app(engine, {"SECRET_KEY": "other", "WTF_CSRF_ENABLED": False})
client = app.test_client()
codes = [client.post("/tra-cuu/", data={"code": "KHONG-CO", "secret": "0000"}).status_code
         for _ in range(4)]
print(codes)
"""


def test_the_limit_is_shared_through_redis(
    client: FlaskClient, engine: Engine, engine_db_url: str
) -> None:
    assert ratelimit_storage(engine.settings) == redis_url()
    result = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, engine_db_url, redis_url()],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[404, 404, 404, 404]"
    # this process has not looked anything up, yet the other one used the address's quota
    response = client.post(
        "/tra-cuu/", data={"code": "KHONG-CO", "secret": "0000", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 429
    assert redis.Redis.from_url(redis_url()).keys("LIMITS*")


def test_embedded_mode_counts_in_memory() -> None:
    from engine.settings import load

    assert ratelimit_storage(load({})) == "memory://"
    assert ratelimit_storage(load({"ratelimit_storage_url": "redis://x:1/2"})) == "redis://x:1/2"
