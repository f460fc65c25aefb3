"""Measure the catalogue: national import coverage, 1,820 synthetic import + validate, memory.

Run ``.venv/bin/python -m bench.catalogue [--national DIR] [-n 1820] [--jobs N]``; prints JSON.
Engine start with every procedure deployed is measured by :func:`engine_start_with_catalogue`,
a hook the engine lead fills in.
"""

from __future__ import annotations

import argparse
import json
import resource
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
    start = time.perf_counter()
    result = validate_catalog(CatalogStore(root), jobs=jobs)
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "summary": result.summary_line(),
        "errors": result.errors,
    }


def engine_start_with_catalogue(root: Path) -> dict[str, Any]:
    """Hook for the engine lead: cold/warm engine start with every model of ``root`` deployed.

    Expected to return ``{"cold_seconds": …, "warm_seconds": …}`` (parsed-spec cache empty,
    then warm). Until the engine offers bulk deployment this reports that it was not measured.
    """
    return {"skipped": "engine bulk deployment not wired yet (hook for the engine lead)"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", type=Path, default=NATIONAL)
    parser.add_argument("-n", type=int, default=1820)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lienthong-catalogue-") as tmp:
        root = Path(tmp)
        result = {
            "national_coverage": national_coverage(args.national),
            "synthetic_import": synthetic_import(root, args.n),
            "synthetic_validate": synthetic_validate(root, args.jobs),
            "engine_start": engine_start_with_catalogue(root),
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
