"""Check identifier structure rules and that the generated world obeys them."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from adapters.identifiers import check_enterprise_code, parse_personal_id, tax_check_digit
from adapters.sim.places import COMMUNES
from adapters.sim.world import FAMILY, world

CASES = json.loads((Path(__file__).parent / "data" / "identifiers.json").read_text("utf-8"))
TODAY = date(2026, 1, 1)


@pytest.mark.parametrize(("number", "province", "sex", "year"), CASES["personal_ids"]["valid"])
def test_valid_personal_ids(number, province, sex, year):
    parsed = parse_personal_id(number, today=TODAY)
    assert (parsed.province_code, parsed.sex, parsed.birth_year) == (province, sex, year)


@pytest.mark.parametrize(("number", "message"), CASES["personal_ids"]["invalid"])
def test_invalid_personal_ids(number, message):
    with pytest.raises(ValueError, match=message):
        parse_personal_id(number, today=TODAY)


@pytest.mark.parametrize("code", CASES["enterprise_codes"]["valid"])
def test_valid_enterprise_codes(code):
    assert check_enterprise_code(code) == code


@pytest.mark.parametrize(("code", "message"), CASES["enterprise_codes"]["invalid"])
def test_invalid_enterprise_codes(code, message):
    with pytest.raises(ValueError, match=message):
        check_enterprise_code(code)


def test_check_digit_refuses_remainder_zero():
    # 31*1 + 29*1 = 60 → 60 % 11 = 5 → 5; and a prefix whose sum is a multiple of 11 has none
    assert tax_check_digit("110000000") == 5
    assert tax_check_digit("000000000") is None


def test_generated_world_is_valid_and_deterministic():
    first, again = world(7, 400), world(7, 400)
    assert first is again  # cached per process
    fresh = world.__wrapped__(7, 400)
    assert [p.personal_id for p in fresh.people] == [p.personal_id for p in first.people]
    ids = [p.personal_id for p in first.people]
    assert len(ids) == len(set(ids))
    assert 400 <= len(ids) < 410  # whole households, so a few more than asked
    for person in first.people:
        parsed = parse_personal_id(person.personal_id)
        assert (parsed.sex, parsed.birth_year) == (person.sex, person.date_of_birth.year)
        assert person.full_name.split()[0] in FAMILY
        assert person.commune_code in COMMUNES and "tỉnh Bình Dương" in person.address
    for ent in first.enterprises:
        assert check_enterprise_code(ent.code) == ent.code
        assert all(check_enterprise_code(b) == b for b in ent.branches)
    children = [p for p in first.people if p.relation == "child"]
    assert children and all(p.mother_id and p.father_id for p in children)
    assert world(8, 400).people[0].personal_id != first.people[0].personal_id


def test_simulator_databases_are_seeded_from_the_same_world(make_registry, people):
    registry = make_registry("population,land")
    pop = registry.adapter("population").simulator()
    land = registry.adapter("land").simulator()
    assert pop.count("citizens") == len(people.people)
    with sqlite3.connect(land.db_path) as db:
        owners = {row[0] for row in db.execute("SELECT owner_id FROM parcels")}
    assert owners <= {p.personal_id for p in people.people}
