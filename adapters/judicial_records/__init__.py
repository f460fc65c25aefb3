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
            "Say whether a person has convictions not yet expunged (what form 1 would show)",
            "/records/{personal_id}",
            {"personal_id": v.personal_id},
        ),
        write(
            "request_certificate",
            "Register a request for a criminal-record certificate (form 1 or 2); fee and due date",
            "/certificate-requests",
            {"personal_id": v.personal_id, "form": v.one_of(*FORMS), "purpose": v.text},
            {"copies": v.positive_int, "reduced_fee": v.one_of("yes", "no")},
        ),
        write(
            "issue_certificate",
            "Issue the certificate of a registered request; returns its number and content",
            "/certificate-requests/{request_no}/certificate",
            {"request_no": v.text},
        ),
    )
