"""The synthetic 1,820: real split, labelled, deterministic, valid in the product's format."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from bpmn.catalog.importer_table import dump_yaml, entry_from_dict
from bpmn.catalog.synthetic import generate_synthetic, split_for


@pytest.fixture(scope="module")
def catalogue():
    return generate_synthetic()


def test_real_split(catalogue):
    assert len(catalogue) == 1820
    assert Counter(e.mode for e in catalogue) == {"partial": 958, "full": 657, "info": 205}


def test_every_entry_is_labelled_synthetic(catalogue):
    codes = [e.code for e in catalogue]
    assert len(set(codes)) == 1820 and all(c.startswith("9.") and len(c) == 8 for c in codes)
    assert all(e.synthetic and e.name.startswith("[Tổng hợp]") for e in catalogue)
    assert all(code.startswith("KQ.Z99.") for e in catalogue for code in e.result_codes)


def test_realistic_spread(catalogue):
    deadlines = Counter(e.deadline().amount for e in catalogue)
    assert len(deadlines) >= 8 and deadlines.most_common(1)[0][1] < 0.25 * 1820
    assert len({e.field for e in catalogue}) >= 12
    assert {lvl for e in catalogue for lvl in e.level} == {"province", "commune", "district"}
    free = sum(1 for e in catalogue if e.channels[0].fee_vnd == 0)
    assert 0.45 * 1820 < free < 0.75 * 1820
    with_partners = sum(1 for e in catalogue if e.partners)
    assert 0.15 * 1820 < with_partners < 0.6 * 1820
    assert all(1 <= len(e.documents) <= 6 for e in catalogue)
    assert all(not e.partners for e in catalogue if e.mode == "info")
    assert all({c.channel for c in e.channels} == {"online", "post", "direct"}
               for e in catalogue if e.mode == "full")  # fmt: skip


def test_deterministic_and_seed_dependent():
    assert generate_synthetic(50, seed=7) == generate_synthetic(50, seed=7)
    assert generate_synthetic(50, seed=7) != generate_synthetic(50, seed=8)


def test_round_trips_through_the_product_format(catalogue):
    for entry in catalogue[:100]:
        assert entry_from_dict(yaml.safe_load(dump_yaml(entry)), entry.code) == entry


def test_split_scales_and_rejects_bad_sizes():
    assert sum(split_for(100).values()) == 100 and split_for(1820)["info"] == 205
    with pytest.raises(ValueError):
        generate_synthetic(0)
