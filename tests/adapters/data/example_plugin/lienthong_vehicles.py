"""A vehicle-registration adapter shipped from its own package (the integrators' example)."""

from adapters import validation as v
from adapters.declare import operations, read
from adapters.http import HttpAdapter
from adapters.sim.app import SimError

VEHICLES = {"61A-123.45": {"owner_id": "074096086598", "kind": "ô tô con"}}  # plate → vehicle


def install(sim):
    """Give the simulator its routes (and, for real data, `sim.schema(SQL, seed)`)."""

    @sim.read("/vehicles/<plate>")
    def vehicle(db, args, plate):
        if plate not in VEHICLES:
            raise SimError(404, "not_found", f"không có xe nào đăng ký biển số {plate}")
        return {"plate": plate, **VEHICLES[plate]}


class VehiclesAdapter(HttpAdapter):
    name = "vehicles"
    title = "CSDL đăng ký xe (vehicle registration)"
    install_simulator = staticmethod(install)
    operations = operations(
        read("lookup_vehicle", "Tra cứu xe theo biển số", "/vehicles/{plate}", {"plate": v.text}),
    )
