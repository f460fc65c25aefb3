"""Talk to the national business registration system: enterprises and certificates."""

from __future__ import annotations

from adapters import validation as v
from adapters.declare import operations, read, write
from adapters.http import HttpAdapter, lazy

KINDS = ("Công ty TNHH", "Công ty TNHH MTV", "Công ty Cổ phần", "Doanh nghiệp tư nhân")
ENTERPRISE = {"enterprise_code": v.enterprise_code}


class BusinessAdapter(HttpAdapter):
    name = "business"
    title = "Hệ thống thông tin quốc gia về đăng ký doanh nghiệp (business registration)"
    install_simulator = staticmethod(lazy("adapters.business.simulator"))
    operations = operations(
        read(
            "lookup_enterprise",
            "Tra cứu doanh nghiệp (mã 10 chữ số) hoặc chi nhánh (NNNNNNNNNN-NNN)",
            "/enterprises/{enterprise_code}",
            ENTERPRISE,
        ),
        write(
            "register_enterprise",
            "Đăng ký thành lập doanh nghiệp; trả về mã doanh nghiệp (cũng là mã số thuế)",
            "/enterprises",
            {
                "name": v.text,
                "kind": v.one_of(*KINDS),
                "charter_capital": v.money,
                "representative_id": v.personal_id,
                "commune_code": v.commune,
                "address_detail": v.text,
            },
            {"business_lines": v.text},
        ),
        read(
            "get_certificate",
            "Lấy giấy chứng nhận đăng ký doanh nghiệp",
            "/enterprises/{enterprise_code}/certificate",
            ENTERPRISE,
        ),
    )
