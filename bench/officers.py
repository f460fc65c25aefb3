"""The officers ``bench/load.py`` runs inside the Celery workers, for every agency of the flows.

Each worker loads this module (``lienthong worker --include bench.officers``). A dossier's
officers work its open user tasks as soon as their lists show them: when the counter sends
the new dossier (the task ``bench.officer``), and whenever a registry's answer opens the next
task (after each ``lienthong.run_service_job``, through Celery's ``task_postrun`` signal, in
the same worker process). Each officer finds the task in the dossier's task list and
completes it with valid form data, one step each, as a web request would; the service jobs
run the real adapters against the in-process simulators the worker builds on the shared
simulator files (`bpmn.flows.province.simulator_env`).
"""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import task_postrun
from sqlalchemy import select

from bench.world import HAPPY_PATH, PROCEDURE
from bpmn.flows import cases, province
from engine.celery_app import app, current_engine
from engine.errors import TaskNotReady
from engine.models import Dossier, ServiceJob

# At INFO, SpiffWorkflow logs every task's state change and httpx every simulator request:
# about eleven lines a step, which would fill the worker log and take the workers' time.
for _name in ("spiff", "httpx"):
    logging.getLogger(_name).setLevel(logging.WARNING)

#: procedure code → user task → form data on the path where every agency says yes
STEPS: dict[str, dict[str, dict[str, Any]]] = {
    **cases.STEPS,
    PROCEDURE: {step: data for step, _, data in HAPPY_PATH},
}


def work(engine: Any, code: str) -> int:
    """Complete every open user task of dossier ``code`` until it waits on a registry or ends.

    Returns the steps done. A task someone else completed first (a duplicate delivery, the
    officer woken by the other branch's registry) is skipped; a task that stays open after
    its completion was tried is left for the next wake-up rather than retried in a loop.
    """
    tried: set[str] = set()
    done = 0
    while True:
        rows = [r for r in engine.list_tasks(dossier_code=code) if r.kind == "user"]
        rows = [r for r in rows if r.id not in tried]
        if not rows:
            return done
        for row in rows:
            tried.add(row.id)
            data = STEPS[row.procedure_code][row.bpmn_id]
            try:
                engine.complete(row.id, user=province.officer(row), data=data)
            except TaskNotReady:
                continue
            done += 1


@app.task(name="bench.officer", acks_late=True, time_limit=300)
def officer(code: str) -> int:
    """The counter received dossier ``code``: its officers work it as far as they can."""
    return work(current_engine(), code)


@task_postrun.connect
def _after_registry_answer(
    task: Any = None, args: Any = None, retval: Any = None, **_: Any
) -> None:
    """A registry answered: the officers whose lists now show the dossier's next task work it."""
    if getattr(task, "name", None) != "lienthong.run_service_job" or retval != "done":
        return
    engine = current_engine()
    with engine.db.read() as s:
        code = s.execute(
            select(Dossier.code)
            .join(ServiceJob, ServiceJob.dossier_id == Dossier.id)
            .where(ServiceJob.id == args[0])
        ).scalar_one()
    work(engine, code)
