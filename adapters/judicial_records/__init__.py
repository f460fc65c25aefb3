"""Talk to the judicial-records system (lý lịch tư pháp): criminal-record certificates.

The provincial Department of Justice issues the certificate (Phiếu lý lịch tư pháp) under the
Law on Judicial Records 2009: form 1 shows convictions not yet expunged, form 2 (for the person
themself or the prosecuting bodies) shows every conviction and any ban on holding posts.
"""

from __future__ import annotations

from adapters import validation as v
from adapters.declare import operations, read, write
from adapters.http import HttpAdapter, lazy

FORMS = ("1", "2")


class JudicialRecordsAdapter(HttpAdapter):
    name = "judicial_records"
    title = "CSDL lý lịch tư pháp (judicial records)"
    install_simulator = staticmethod(lazy("adapters.judicial_records.simulator"))
    operations = operations(
        read(
            "lookup_record",
            "Cho biết một người có án tích chưa được xóa hay không (như phiếu số 1 sẽ ghi)",
            "/records/{personal_id}",
            {"personal_id": v.personal_id},
        ),
        write(
            "request_certificate",
            "Tiếp nhận yêu cầu cấp phiếu lý lịch tư pháp (số 1 hoặc số 2); lệ phí và ngày hẹn trả",
            "/certificate-requests",
            {"personal_id": v.personal_id, "form": v.one_of(*FORMS), "purpose": v.text},
            {"copies": v.positive_int, "reduced_fee": v.one_of("yes", "no")},
        ),
        write(
            "issue_certificate",
            "Cấp phiếu lý lịch tư pháp cho yêu cầu đã tiếp nhận; trả về số phiếu và nội dung",
            "/certificate-requests/{request_no}/certificate",
            {"request_no": v.text},
        ),
    )
