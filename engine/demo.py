"""The demo province: agencies, officers and procedures to try the product on, seeded idempotently.

``lienthong demo seed`` calls :func:`seed`; ``engine.demo_run`` pushes dossiers through what
it seeds. The data lives in ``engine/demo_data/seed.yaml``; procedure names come from the
real catalogue (``bpmn/catalog/real``) when it is installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import InvalidInput

if TYPE_CHECKING:
    from .runtime import Engine

SEED_FILE = Path(__file__).parent / "demo_data" / "seed.yaml"
TEMPLATE = "templates/standard_one_stop.bpmn"
ACTOR = "demo"

#: The part of a username that names the role: ``phuloi.chuyenvien`` is Phú Lợi's specialist.
ROLE_NAMES = {
    "one_stop_officer": "motcua",
    "specialist": "chuyenvien",
    "head_of_unit": "truongphong",
    "leader": "lanhdao",
    "admin": "admin",
}


@dataclass(frozen=True)
class DemoAgency:
    code: str
    key: str
    name: str
    level: str
    parent: str | None
    staff: tuple[str, ...]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    agency_code: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class DemoProcedure:
    code: str
    name: str
    field: str
    level: str
    competent: str | None
    deadline: tuple[float, str]
    receiving: tuple[str, ...]


@dataclass(frozen=True)
class DemoWorld:
    """Everything ``seed`` creates; the demo runner picks its officers from here."""

    agencies: tuple[DemoAgency, ...]
    users: tuple[DemoUser, ...]
    procedures: tuple[DemoProcedure, ...]
    #: Password every demo officer gets when seeded without one (see docs/cli.md).
    password: str = ""
    _officers: dict[tuple[str, str], str] = field(default_factory=dict, compare=False)

    def officer(self, role: str | None, agency_code: str | None) -> str:
        """Return the username who works ``role`` tasks at ``agency_code`` (else the admin)."""
        return self._officers.get((role or "", agency_code or ""), "admin")


def load_world(path: Path = SEED_FILE) -> DemoWorld:
    """Read the demo province from YAML (and real procedure names from the catalogue)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        agencies = tuple(_agency(a) for a in raw["agencies"])
        procedures = tuple(_procedure(p) for p in raw["procedures"])
        names = list(raw["names"])
        password = str(raw.get("password", ""))
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"demo data {path} is unreadable: {exc}") from exc
    users: list[DemoUser] = []
    for agency in agencies:
        for role in agency.staff:
            username = "admin" if role == "admin" else f"{agency.key}.{ROLE_NAMES[role]}"
            full_name = names[len(users) % len(names)]
            users.append(DemoUser(username, full_name, agency.code, (role,)))
    officers = {(u.roles[0], u.agency_code): u.username for u in users}
    return DemoWorld(agencies, tuple(users), procedures, password, officers)


def template_bytes() -> bytes:
    """Return the standard one-stop template every demo procedure is deployed on."""
    return resources.files("bpmn").joinpath(TEMPLATE).read_bytes()


def seed(engine: Engine, world: DemoWorld | None = None) -> dict[str, Any]:
    """Create the demo agencies, officers and procedures; a second run changes nothing."""
    world = world or load_world()
    for agency in sorted(world.agencies, key=lambda a: (a.parent is not None, a.code)):
        engine.ensure_agency(
            agency.code, agency.name, level=agency.level, parent_code=agency.parent
        )
    for user in world.users:
        engine.ensure_user(user.username, user.full_name, user.agency_code, list(user.roles))
        account = engine.account(user.username)
        if world.password and account is not None and not account.has_password:
            engine.set_password(user.username, world.password, actor=ACTOR)
    bpmn = template_bytes()
    versions = {}
    for proc in world.procedures:
        version = engine.deploy(
            proc.code,
            bpmn,
            name=proc.name,
            agency_code=proc.competent,
            deadline=proc.deadline,
            field=proc.field,
            level=proc.level,
            actor=ACTOR,
            note="demo seed: standard one-stop template",
        )
        versions[proc.code] = version.version
    from .demo_flows import deploy_flows

    versions.update(deploy_flows(engine, SEED_FILE, actor=ACTOR))
    return {
        "agencies": len(world.agencies),
        "users": len(world.users),
        "procedures": versions,
    }


def _agency(a: dict[str, Any]) -> DemoAgency:
    return DemoAgency(
        str(a["code"]),
        str(a["key"]),
        str(a["name"]),
        str(a["level"]),
        a.get("parent"),
        tuple(a["staff"]),
    )


def _procedure(p: dict[str, Any]) -> DemoProcedure:
    code = str(p["code"])
    name, field_name = _catalogue_names(code)
    amount, unit = p["deadline"]
    return DemoProcedure(
        code=code,
        name=name or str(p["name"]),
        field=field_name or str(p["field"]),
        level=str(p["level"]),
        competent=p.get("competent"),
        deadline=(float(amount), str(unit)),
        receiving=tuple(p["receiving"]),
    )


def _catalogue_names(code: str) -> tuple[str | None, str | None]:
    """Take a procedure's official name and field from the real catalogue when it is there."""
    entry = resources.files("bpmn").joinpath(f"catalog/real/{code}.yaml")
    if not entry.is_file():
        return None, None
    try:
        data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        return None, None
    return data.get("name"), data.get("field")
