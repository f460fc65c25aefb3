"""Run every operation's client against its simulator in-process (the real client path)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from adapters.errors import Refused
from adapters.identifiers import check_enterprise_code, parse_personal_id
from adapters.sim.world import WORLD_DATE
from engine.errors import AdapterError

COVERED: set[str] = set()


def covers(operation: str):
    COVERED.add(operation)
    return lambda fn: fn


def key() -> str:
    return uuid.uuid4().hex


def adult(people, **want):
    for p in people.people:
        age = WORLD_DATE.year - p.date_of_birth.year
        if age >= want.pop("min_age", 18) and all(getattr(p, k) == v for k, v in want.items()):
            return p
    raise LookupError(want)


def test_every_operation_has_a_contract_test(shared_registry):
    assert shared_registry.operations() == COVERED


@covers("population.lookup_citizen")
def test_lookup_citizen(shared_registry, people):
    person = people.people[0]
    result = shared_registry.call("population.lookup_citizen", {"personal_id": person.personal_id})
    assert result.data["full_name"] == person.full_name
    assert result.data["permanent_address"] == person.address
    assert result.data["spouse_id"] == person.spouse_id
    assert result.record.outcome == "ok" and result.record.attempts == 1
    assert person.full_name not in str(result.record.to_dict())  # masked in the history


@covers("population.register_residence")
def test_register_residence_for_a_newborn(shared_registry):
    newborn = "074225123456"
    params = {
        "personal_id": newborn,
        "commune_code": "25741",
        "address_detail": "Số 12, Đường Yersin",
        "full_name": "Trần Gia Bảo",
        "sex": "M",
        "date_of_birth": "2025-03-01",
        "birth_extract_no": "KS.25741.2025.000001",
    }
    result = shared_registry.call("population.register_residence", params, idempotency_key=key())
    assert result.data["registration_no"].startswith("DKTT-074-")
    assert result.data["permanent_address"].endswith(
        "Phường Phú Cường, Thành phố Thủ Dầu Một, tỉnh Bình Dương"
    )
    looked = shared_registry.call("population.lookup_citizen", {"personal_id": newborn}).data
    assert looked["full_name"] == "Trần Gia Bảo" and looked["residence"] == "permanent"
    with pytest.raises(AdapterError, match="đã đăng ký thường trú tại địa chỉ này") as err:
        shared_registry.call("population.register_residence", params, idempotency_key=key())
    assert err.value.retryable is False


@covers("population.deregister_residence")
def test_deregister_residence_on_death(shared_registry, people):
    person = people.people[5]
    params = {"personal_id": person.personal_id, "reason": "death", "reference": "KT.1"}
    result = shared_registry.call("population.deregister_residence", params, idempotency_key=key())
    assert result.data["former_address"] == person.address
    looked = shared_registry.call("population.lookup_citizen", {"personal_id": person.personal_id})
    assert looked.data["status"] == "deceased" and looked.data["permanent_address"] is None


@covers("civil_status.register_birth")
def test_register_birth_issues_a_valid_personal_id(shared_registry, people):
    father = adult(people, sex="M", relation="head", min_age=25)
    mother_id = father.spouse_id
    born = (date.today() - timedelta(days=3)).isoformat()
    params = {
        "child_name": "Nguyễn Minh Khang",
        "sex": "M",
        "date_of_birth": born,
        "place_of_birth": "Bệnh viện Đa khoa tỉnh Bình Dương",
        "commune_code": "25744",
        "mother_id": mother_id,
        "father_id": father.personal_id,
    }
    result = shared_registry.call("civil_status.register_birth", params, idempotency_key=key())
    child = parse_personal_id(result.data["personal_id"])
    assert (child.province_code, child.sex, child.birth_year) == ("074", "M", date.today().year)
    extract = result.data["birth_extract"]
    assert extract["father_name"] == father.full_name
    assert extract["issued_by"] == "UBND Phường Hiệp Thành"
    with pytest.raises(AdapterError, match="người mẹ .* không được ghi nhận là nữ"):
        shared_registry.call(
            "civil_status.register_birth",
            {**params, "mother_id": father.personal_id},
            idempotency_key=key(),
        )


@covers("civil_status.register_death")
def test_register_death_then_widowed(shared_registry, people):
    husband = [p for p in people.people if p.sex == "M" and p.spouse_id][3]  # married
    params = {
        "deceased_id": husband.personal_id,
        "date_of_death": "2025-02-01",
        "place_of_death": "Tại nhà",
        "commune_code": husband.commune_code,
    }
    result = shared_registry.call("civil_status.register_death", params, idempotency_key=key())
    assert result.data["death_extract"]["deceased_name"] == husband.full_name
    status = shared_registry.call(
        "civil_status.marriage_status", {"personal_id": husband.spouse_id}
    )
    assert status.data["status"] == "widowed"
    with pytest.raises(AdapterError, match="việc khai tử người có số định danh .* đã được đăng ký"):
        shared_registry.call("civil_status.register_death", params, idempotency_key=key())


@covers("civil_status.marriage_status")
def test_marriage_status(shared_registry, people):
    married = [p for p in people.people if p.sex == "M" and p.spouse_id][0]
    result = shared_registry.call(
        "civil_status.marriage_status", {"personal_id": married.personal_id}
    )
    assert result.data["spouse_id"] == married.spouse_id
    assert result.data["status"] in ("married", "divorced")
    child = next(p for p in people.people if p.relation == "child")
    single = shared_registry.call(
        "civil_status.marriage_status", {"personal_id": child.personal_id}
    )
    assert single.data == {"personal_id": child.personal_id, "status": "single", "spouse_id": None}


def parcel_params(parcel) -> dict:
    return {
        "commune_code": parcel.commune_code,
        "map_sheet": parcel.map_sheet,
        "parcel_no": parcel.parcel_no,
    }


@covers("land.lookup_parcel")
def test_lookup_parcel(shared_registry, people):
    parcel = people.parcels[0]
    data = shared_registry.call("land.lookup_parcel", parcel_params(parcel)).data
    assert data["owner_id"] == parcel.owner_id and data["area_m2"] == parcel.area_m2
    assert data["state_value"] == round(data["state_unit_price"] * parcel.area_m2)
    with pytest.raises(AdapterError, match="không có thửa đất số 9999, tờ bản đồ số"):
        shared_registry.call("land.lookup_parcel", {**parcel_params(parcel), "parcel_no": 9999})


@covers("land.register_transfer")
def test_register_transfer_changes_the_holder(shared_registry, people):
    parcel = people.parcels[1]
    buyer = people.people[-1].personal_id
    params = {
        **parcel_params(parcel),
        "seller_id": parcel.owner_id,
        "buyer_id": buyer,
        "declared_price": 1_500_000_000,
        "kind": "transfer",
    }
    result = shared_registry.call("land.register_transfer", params, idempotency_key=key())
    assert result.data["parcel"]["owner_id"] == buyer
    assert result.data["parcel"]["certificate_no"] != parcel.certificate_no
    with pytest.raises(AdapterError, match="bên chuyển nhượng không phải người đứng tên"):
        shared_registry.call("land.register_transfer", params, idempotency_key=key())


@covers("land.compute_obligations")
def test_compute_obligations_goes_through_the_tax_adapter(shared_registry, people):
    parcel = people.parcels[2]
    params = {
        **parcel_params(parcel),
        "seller_id": parcel.owner_id,
        "buyer_id": people.people[-2].personal_id,
        "declared_price": 100_000,
        "kind": "transfer",
    }
    result = shared_registry.call("land.compute_obligations", params, idempotency_key=key())
    value = result.data["state_value"]
    items = {i["code"]: i for i in result.data["items"]}
    assert items["TNCN"]["amount"] == round(value * 0.02)  # declared price below state value
    assert items["LPTB"]["amount"] == round(value * 0.005)
    assert result.data["total"] == items["TNCN"]["amount"] + items["LPTB"]["amount"]
    assert [c.operation for c in result.record.calls] == ["tax.land_obligations"]
    not_holder = {**params, "seller_id": params["buyer_id"]}
    with pytest.raises(AdapterError) as err:
        shared_registry.call("land.compute_obligations", not_holder, idempotency_key=key())
    assert str(err.value) == (
        "land.compute_obligations: bên chuyển nhượng không phải người đứng tên thửa đất số "
        f"{parcel.parcel_no}, tờ bản đồ số {parcel.map_sheet}"
    )


@covers("tax.land_obligations")
def test_land_obligations_family_gift_is_exempt(shared_registry, people):
    parcel = people.parcels[3]
    params = {
        **parcel_params(parcel),
        "seller_id": parcel.owner_id,
        "buyer_id": people.people[1].personal_id,
        "declared_price": 1,
        "state_value": 2_000_000_000,
        "kind": "gift",
        "family": "yes",
    }
    data = shared_registry.call("tax.land_obligations", params, idempotency_key=key()).data
    assert [i["amount"] for i in data["items"]] == [0, 10_000_000]
    assert data["notice_no"].startswith(f"TB-{date.today().year}-LAND-")


@covers("tax.business_obligations")
def test_business_obligations(shared_registry, people):
    big = next(e for e in people.enterprises if e.charter_capital > 10_000_000_000)
    params = {
        "enterprise_code": big.code,
        "charter_capital": big.charter_capital,
        "registered_on": "2020-05-05",
    }
    data = shared_registry.call("tax.business_obligations", params, idempotency_key=key()).data
    assert data["total"] == 3_000_000
    new = shared_registry.call(
        "tax.business_obligations",
        {**params, "registered_on": date.today().isoformat(), "charter_capital": 1_000_000_000},
        idempotency_key=key(),
    ).data
    assert new["total"] == 0 and new["items"][0]["amount_from_next_year"] == 2_000_000


@covers("business.lookup_enterprise")
def test_lookup_enterprise_and_branch(shared_registry, people):
    parent = next(e for e in people.enterprises if e.branches)
    data = shared_registry.call("business.lookup_enterprise", {"enterprise_code": parent.code}).data
    assert data["name"] == parent.name and data["branches"] == parent.branches
    branch = shared_registry.call(
        "business.lookup_enterprise", {"enterprise_code": parent.branches[0]}
    )
    assert branch.data["parent_code"] == parent.code


@covers("business.register_enterprise")
def test_register_enterprise(shared_registry, people):
    params = {
        "name": "Cơ khí Chính xác Tân Uyên",
        "kind": "Công ty TNHH MTV",
        "charter_capital": 3_000_000_000,
        "representative_id": people.people[0].personal_id,
        "commune_code": "25920",
        "address_detail": "Số 8, Đường Trần Hưng Đạo",
    }
    data = shared_registry.call("business.register_enterprise", params, idempotency_key=key()).data
    assert check_enterprise_code(data["enterprise_code"]) == data["enterprise_code"]
    assert data["name"] == "Công ty TNHH MTV Cơ khí Chính xác Tân Uyên"
    with pytest.raises(AdapterError, match="đã được doanh nghiệp khác đăng ký"):
        shared_registry.call("business.register_enterprise", params, idempotency_key=key())


@covers("business.get_certificate")
def test_get_certificate(shared_registry, people):
    ent = people.enterprises[0]
    data = shared_registry.call("business.get_certificate", {"enterprise_code": ent.code}).data
    assert data["title"] == "Giấy chứng nhận đăng ký doanh nghiệp"
    assert data["name"] == ent.name and data["charter_capital"] == ent.charter_capital


@covers("social_insurance.issue_child_health_card")
def test_child_health_card(shared_registry):
    params = {
        "personal_id": "074324000777",
        "full_name": "Lê Ngọc Hân",
        "date_of_birth": "2024-02-29",
        "commune_code": "25741",
        "on_date": "2025-01-10",
    }
    data = shared_registry.call(
        "social_insurance.issue_child_health_card", params, idempotency_key=key()
    ).data
    assert len(data["card_number"]) == 15 and data["card_number"].startswith("TE174")
    assert data["valid_to"] == "2030-02-27"  # day before the 6th birthday (28/2 in 2030)
    too_old = {**params, "personal_id": "074318000778", "date_of_birth": "2018-01-01"}
    with pytest.raises(Refused) as err:
        shared_registry.call(
            "social_insurance.issue_child_health_card", too_old, idempotency_key=key()
        )
    assert str(err.value) == (  # the reason officers and the citizen read, in Vietnamese
        "social_insurance.issue_child_health_card: thẻ BHYT trẻ em chỉ cấp cho trẻ dưới 6 tuổi; "
        "ngày 10/01/2025 trẻ không ở độ tuổi này"
    )


@covers("social_insurance.funeral_allowance")
def test_funeral_allowance(shared_registry, people):
    insured = next(
        p
        for p in people.people
        if p.social_insurance_code and WORLD_DATE.year - p.date_of_birth.year > 40
    )
    params = {
        "deceased_id": insured.personal_id,
        "date_of_death": "2025-03-03",
        "claimant_id": people.people[0].personal_id,
        "death_extract_no": "KT.25741.2025.000009",
    }
    data = shared_registry.call(
        "social_insurance.funeral_allowance", params, idempotency_key=key()
    ).data
    assert data["amount"] == 23_400_000
    assert data["social_insurance_code"] == insured.social_insurance_code
    child = next(p for p in people.people if p.relation == "child" and not p.social_insurance_code)
    with pytest.raises(AdapterError, match="người mất chưa có quá trình tham gia bảo hiểm xã hội"):
        shared_registry.call(
            "social_insurance.funeral_allowance",
            {**params, "deceased_id": child.personal_id},
            idempotency_key=key(),
        )


def _convicted(registry, people, *, current: bool):
    """Find a generated adult whose record has (or lacks) a conviction not yet expunged."""
    for p in people.people:
        if WORLD_DATE.year - p.date_of_birth.year < 20:
            continue
        data = registry.call("judicial_records.lookup_record", {"personal_id": p.personal_id}).data
        if data["has_criminal_record"] is current:
            return p, data
    raise LookupError(current)


@covers("judicial_records.lookup_record")
def test_lookup_record(shared_registry, people):
    clean, data = _convicted(shared_registry, people, current=False)
    assert data["convictions"] == [] and data["full_name"] == clean.full_name
    convicted, data = _convicted(shared_registry, people, current=True)
    assert data["convictions"] and not any(c["expunged"] for c in data["convictions"])
    assert "Bộ luật Hình sự" in data["convictions"][0]["offence"]
    result = shared_registry.call(
        "judicial_records.lookup_record", {"personal_id": convicted.personal_id}
    )
    assert "Bộ luật Hình sự" not in str(result.record.to_dict())  # masked in the history
    with pytest.raises(AdapterError, match="không có hồ sơ lý lịch tư pháp") as err:
        shared_registry.call("judicial_records.lookup_record", {"personal_id": "074099000001"})
    assert err.value.retryable is False


@covers("judicial_records.request_certificate")
def test_request_certificate_fee_and_due_date(shared_registry, people):
    person = adult(people, birth_province="074")
    params = {"personal_id": person.personal_id, "form": "1", "purpose": "Xin việc", "copies": 4}
    data = shared_registry.call(
        "judicial_records.request_certificate", params, idempotency_key=key()
    ).data
    assert data["request_no"].startswith("LLTP-074-")
    assert data["fee_vnd"] == 200_000 + 2 * 5_000  # copies 3 and 4 cost 5,000 đồng each
    assert data["working_days"] == 10
    received, due = date.fromisoformat(data["received_on"]), date.fromisoformat(data["due_on"])
    assert timedelta(days=14) <= due - received <= timedelta(days=16)  # 10 working days
    other = adult(people, birth_province="079")
    reduced = {"personal_id": other.personal_id, "form": "2", "purpose": "Du học",
               "reduced_fee": "yes"}  # fmt: skip
    data = shared_registry.call(
        "judicial_records.request_certificate", reduced, idempotency_key=key()
    ).data
    assert (data["fee_vnd"], data["working_days"]) == (100_000, 15)
    with pytest.raises(AdapterError, match="form: '3' không thuộc các giá trị cho phép: 1, 2"):
        shared_registry.call(
            "judicial_records.request_certificate", {**params, "form": "3"}, idempotency_key=key()
        )


@covers("judicial_records.issue_certificate")
def test_issue_certificate_form_1_and_form_2(shared_registry, people):
    clean, _ = _convicted(shared_registry, people, current=False)
    convicted, record = _convicted(shared_registry, people, current=True)

    def issue(person, form):
        params = {"personal_id": person.personal_id, "form": form, "purpose": "Bổ sung hồ sơ"}
        request = shared_registry.call(
            "judicial_records.request_certificate", params, idempotency_key=key()
        ).data
        one_key = key()
        first = shared_registry.call(
            "judicial_records.issue_certificate",
            {"request_no": request["request_no"]},
            idempotency_key=one_key,
        ).data
        again = shared_registry.call(  # same key: the same certificate, nothing new issued
            "judicial_records.issue_certificate",
            {"request_no": request["request_no"]},
            idempotency_key=one_key,
        ).data
        assert again == first
        with pytest.raises(AdapterError, match="đã được cấp phiếu"):
            shared_registry.call(
                "judicial_records.issue_certificate",
                {"request_no": request["request_no"]},
                idempotency_key=key(),
            )
        return first

    cert = issue(clean, "1")
    assert cert["criminal_record"] == "Không có án tích"
    assert cert["certificate_no"].endswith("/LLTP")
    assert cert["issuer"] == "Sở Tư pháp tỉnh Bình Dương"
    cert = issue(convicted, "2")
    assert cert["criminal_record"] == "Có án tích" and cert["bans"]
    assert len(cert["convictions"]) >= len(record["convictions"])
    with pytest.raises(AdapterError, match="không có yêu cầu cấp phiếu số"):
        shared_registry.call(
            "judicial_records.issue_certificate", {"request_no": "LLTP-074-2000-000001"},
            idempotency_key=key(),
        )  # fmt: skip


# -- online channel (issue 10): portal, payment gateway, SMS; more in test_portal/test_payment
@covers("portal.push_status")
@covers("portal.get_dossier")
def test_portal_takes_status_in_its_own_words(shared_registry):
    update = {
        "event": "received",
        "dossier_code": "000.00.00.H56-261125-0001",
        "procedure_code": "1.001193",
        "status": "received",
        "received_at": "2026-11-25T01:30:00+00:00",
        "due_at": "2026-11-25T10:00:00+00:00",
    }
    ack = shared_registry.call("portal.push_status", update, idempotency_key=key()).data
    assert ack["accepted"] and ack["ack_id"].startswith("CDVC-")
    view = shared_registry.call("portal.get_dossier", {"dossier_code": update["dossier_code"]})
    assert view.data["NgayTiepNhan"] == "20261125083000" and view.data["TrangThaiHoSo"] == "1"
    with pytest.raises(AdapterError, match="status: 'lost' không thuộc các giá trị cho phép"):
        shared_registry.call(
            "portal.push_status", {**update, "status": "lost"}, idempotency_key=key()
        )


@covers("payment.create_payment")
@covers("payment.get_payment")
def test_payment_gateway_opens_and_reads_payments(shared_registry):
    params = {"order_ref": "HS-1/1", "amount": 50_000, "description": "Lệ phí hộ tịch"}
    made = shared_registry.call("payment.create_payment", params, idempotency_key=key()).data
    assert made["status"] == "pending" and made["pay_url"].endswith(made["payment_id"])
    read = shared_registry.call("payment.get_payment", {"payment_id": made["payment_id"]}).data
    assert read["amount"] == 50_000 and read["transactions"] == []
    with pytest.raises(AdapterError, match="amount: số tiền -1 đồng nằm ngoài khoảng cho phép"):
        shared_registry.call(
            "payment.create_payment", {**params, "amount": -1}, idempotency_key=key()
        )


@covers("sms.send")
def test_sms_gateway_accepts_vietnamese_mobiles(shared_registry):
    sent = shared_registry.call(
        "sms.send", {"phone": "0912 345 678", "message": "Hồ sơ đã tiếp nhận"},
        idempotency_key=key(),
    ).data  # fmt: skip
    assert sent["status"] == "queued" and sent["message_id"].startswith("SMS-")
    with pytest.raises(AdapterError, match="phone: 12345: không phải số điện thoại di động"):
        shared_registry.call("sms.send", {"phone": "12345", "message": "x"}, idempotency_key=key())
