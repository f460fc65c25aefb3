"""Talk to the tax authority: obligation notices for land transfers and new enterprises."""

from __future__ import annotations

from adapters import validation as v
from adapters.declare import operations, write
from adapters.http import HttpAdapter, lazy


class TaxAdapter(HttpAdapter):
    name = "tax"
    title = "Hệ thống quản lý thuế (tax authority)"
    install_simulator = staticmethod(lazy("adapters.tax.simulator"))
    operations = operations(
        write(
            "land_obligations",
            "Ra thông báo thuế, lệ phí khi chuyển quyền sử dụng đất",
            "/notices/land",
            {**v.LAND_TRANSFER, "state_value": v.money},
            {"family": v.one_of("yes", "no")},
        ),
        write(
            "business_obligations",
            "Ra thông báo lệ phí môn bài cho doanh nghiệp, chi nhánh mới đăng ký",
            "/notices/business",
            {"enterprise_code": v.enterprise_code, "charter_capital": v.money},
            {"registered_on": v.iso_date},
        ),
    )
