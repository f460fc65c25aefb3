"""Measure the catalogue: national import coverage, 1,820 synthetic import + validate, memory.

Run ``.venv/bin/python -m bench.catalogue [--national DIR] [-n 1820] [--jobs N]``; prints JSON.

Engine start (:func:`engine_start_with_catalogue`): every runnable synthetic model is deployed
to a fresh SQLite database, then a new Python process starts the engine and makes every
current model ready to run, twice: *cold* parses each BPMN file (what happens when no parsed
spec is stored), *warm* restores the parsed specs stored beside each version (what the engine's
`ModelCache` does on a restart). Each probe reports its own import, start and load times and
its peak RSS; the engine itself loads models lazily, so this is the worst case of a restart
that touches every procedure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bpmn.catalog.importer import import_path
from bpmn.catalog.report import ImportReport, procedure_report
from bpmn.catalog.service import import_entries
from bpmn.catalog.store import CatalogStore
from bpmn.catalog.synthetic import generate_synthetic

NATIONAL = Path("/work/shared/national-procedures")


def national_coverage(path: Path) -> dict[str, Any]:
    """Import the portal data (no models) and return the parsed-vs-flagged summary."""
    if not path.is_dir():
        return {"skipped": f"{path} not found"}
    start = time.perf_counter()
    batch = import_path(path)
    seconds = time.perf_counter() - start
    summary = ImportReport(str(path), [procedure_report(e) for e in batch.entries]).summary()
    return {"seconds": round(seconds, 2), **summary}


def synthetic_import(root: Path, n: int) -> dict[str, Any]:
    """Write ``n`` synthetic procedures with models and forms; time it and trace memory."""
    tracemalloc.start()
    start = time.perf_counter()
    entries = generate_synthetic(n)
    report = import_entries(entries, CatalogStore(root), "bench")
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "procedures": n,
        "seconds": round(seconds, 2),
        "models": report.summary()["models"],
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
    }


def synthetic_validate(root: Path, jobs: int | None) -> dict[str, Any]:
    """Lint every model of the catalogue at ``root``; needs ``bpmn.lint``."""
    try:
        import bpmn.lint  # noqa: F401
        from bpmn.catalog.validate import validate_catalog
    except ImportError as exc:
        return {"skipped": f"lint not available: {exc}"}
    start, cpu = time.perf_counter(), _cpu_seconds()
    result = validate_catalog(CatalogStore(root), jobs=jobs)
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "cpu_seconds": round(_cpu_seconds() - cpu, 2),  # this process and its workers
        "summary": result.summary_line(),
        "errors": result.errors,
    }


def engine_start_with_catalogue(root: Path) -> dict[str, Any]:
    """Deploy every model of ``root`` to a fresh database; time engine start, cold and warm."""
    from bpmn.catalog.deploy import deploy_catalog
    from engine.runtime import Engine
    from engine.settings import load

    url = f"sqlite:///{root / 'engine.sqlite'}"
    engine = Engine(load({"database_url": url}))
    engine.create_schema()
    start = time.perf_counter()
    report = deploy_catalog(engine, CatalogStore(root), actor="bench")
    deploy_seconds = time.perf_counter() - start
    engine.db.dispose()
    result: dict[str, Any] = {
        "deployed": len(report.deployed),
        "failed": len(report.failed),
        "deploy_seconds": round(deploy_seconds, 2),
        "database_mb": round((root / "engine.sqlite").stat().st_size / 2**20, 1),
    }
    for mode in ("cold", "warm"):
        probe = subprocess.run(
            [sys.executable, "-m", "bench.catalogue", "--probe-start", mode, "--probe-url", url],
            capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1],
        )  # fmt: skip
        result[mode] = json.loads(probe.stdout)
    return result


def probe_start(url: str, mode: str) -> dict[str, Any]:
    """In a fresh process: import, build the engine, make every current model ready to run.

    ``cold`` parses each stored BPMN document; ``warm`` restores the stored parsed specs
    through the engine's model cache. ``first_model_seconds`` is when the first procedure
    could run (the engine loads models on first use); ``start_seconds`` when all could.
    Reads the version rows directly: a measurement only.
    """
    started = time.perf_counter()
    from sqlalchemy import select
    from sqlalchemy.orm import undefer

    from engine.model_parser import parse_model
    from engine.models import Procedure, ProcessVersion
    from engine.runtime import Engine
    from engine.settings import load

    imported = time.perf_counter()
    engine = Engine(load({"database_url": url}))
    built = time.perf_counter()
    first = None
    column = ProcessVersion.bpmn_xml if mode == "cold" else ProcessVersion.spec_blob
    query = (
        select(ProcessVersion)
        .join(Procedure, Procedure.current_version_id == ProcessVersion.id)
        .options(undefer(column))
    )
    with engine.db.read() as session:
        versions = session.execute(query).scalars().all()
        for version in versions:
            if mode == "cold":
                parsed = parse_model(version.bpmn_xml, process_id=version.process_id)
                engine.models.put_parsed(parsed)
            else:
                engine.models.get(session, version)
            first = first or time.perf_counter()
    loaded = time.perf_counter()
    engine.db.dispose()
    return {
        "models": len(versions),
        "import_seconds": round(imported - started, 2),
        "engine_init_seconds": round(built - imported, 3),
        "first_model_seconds": round((first or loaded) - started, 2),
        "load_models_seconds": round(loaded - built, 2),
        "start_seconds": round(loaded - started, 2),
        "cpu_seconds": round(time.process_time(), 2),  # the whole probe, imports included
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children: a figure the machine's load
    (other jobs on a shared host) does not inflate the way it inflates wall time."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", type=Path, default=NATIONAL)
    parser.add_argument("-n", type=int, default=1820)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--probe-start", choices=["cold", "warm"], help=argparse.SUPPRESS)
    parser.add_argument("--probe-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe_start:
        json.dump(probe_start(args.probe_url, args.probe_start), sys.stdout)
        return 0
    with tempfile.TemporaryDirectory(prefix="lienthong-catalogue-") as tmp:
        root = Path(tmp)
        result = {
            "national_coverage": national_coverage(args.national),
            "synthetic_import": synthetic_import(root, args.n),
            "synthetic_validate": synthetic_validate(root, args.jobs),
            "engine_start": engine_start_with_catalogue(root),
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "load_average_1m": round(os.getloadavg()[0], 2),  # wall times suffer above ~2
        }
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
