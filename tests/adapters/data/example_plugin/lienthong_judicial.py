"""A judicial-records adapter shipped from its own package (the integrators' example)."""

from adapters import validation as v
from adapters.http import HttpAdapter
from adapters.protocol import Operation
from adapters.sim.app import SimError

RECORDS = {"074096086598": []}  # the simulator's data: personal ID → convictions


def install(sim):
    """Give the simulator its routes (and, for real data, `sim.schema(SQL, seed)`)."""

    @sim.read("/records/<pid>")
    def record(db, args, pid):
        if pid not in RECORDS:
            raise SimError(404, "not_found", f"no judicial record for {pid}")
        return {"personal_id": pid, "convictions": RECORDS[pid], "clean": not RECORDS[pid]}


class JudicialAdapter(HttpAdapter):
    name = "judicial"
    title = "Lý lịch tư pháp (judicial records)"
    install_simulator = staticmethod(install)
    operations = {
        "check_record": Operation(
            "check_record",
            "Say whether a person has a criminal record",
            safe=True,
            path="/records/{personal_id}",
            validate=v.params({"personal_id": v.personal_id}),
        ),
    }
