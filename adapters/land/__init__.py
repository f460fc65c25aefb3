"""Talk to the land information system (ViLIS-like): parcels, transfers, obligations."""

from __future__ import annotations

from adapters import validation as v
from adapters.declare import operations, read, write
from adapters.errors import attach
from adapters.http import HttpAdapter, lazy
from adapters.protocol import Call, CallResult
from engine.errors import AdapterError

PARCEL, TRANSFER = v.PARCEL, v.LAND_TRANSFER


class LandAdapter(HttpAdapter):
    name = "land"
    title = "Hệ thống thông tin đất đai (land information system)"
    install_simulator = staticmethod(lazy("adapters.land.simulator"))
    operations = operations(
        read(
            "lookup_parcel",
            "Tra cứu thửa đất theo xã, số tờ bản đồ và số thửa",
            "/parcels",
            PARCEL,
        ),
        write(
            "register_transfer",
            "Đăng ký biến động: chuyển người sử dụng đất",
            "/transfers",
            TRANSFER,
        ),
        write(  # a write: the tax notice it issues is keyed
            "compute_obligations",
            "Xác định giá trị thửa đất và lấy thông báo thuế, lệ phí từ cơ quan thuế",
            "/parcels",
            TRANSFER,
            {"family": v.one_of("yes", "no")},
            method="GET",
        ),
    )

    def execute(self, call: Call) -> CallResult:
        if call.operation.name != "compute_obligations":
            return super().execute(call)
        return self._obligations(call)

    def _obligations(self, call: Call) -> CallResult:
        """Read the state value from the land system, then ask the tax system for the notice.

        This is the land office's "transfer of information" to the tax authority; the tax
        call keeps its own record, nested in this one.
        """
        query = {k: call.params[k] for k in PARCEL}
        parcel = self.send(call, "GET", "/parcels", query=query)
        record = parcel.record
        if parcel.data.get("owner_id") != call.params["seller_id"]:
            raise attach(
                AdapterError(
                    f"land.compute_obligations: bên chuyển nhượng không phải người đứng tên "
                    f"thửa đất số {query['parcel_no']}, tờ bản đồ số {query['map_sheet']}",
                    retryable=False,
                ),
                record,
            )
        tax_params = {k: call.params[k] for k in call.params if k in TRANSFER or k == "family"}
        tax_params["state_value"] = parcel.data["state_value"]
        try:
            tax = call.registry.call(
                "tax.land_obligations",
                tax_params,
                idempotency_key=f"{call.idempotency_key}/tax",
                context=call.context,
            )
        except AdapterError as exc:
            record.calls.append(exc.record)  # type: ignore[attr-defined]
            record.outcome = exc.record.outcome  # type: ignore[attr-defined]
            raise attach(
                AdapterError(f"land.compute_obligations: {exc}", retryable=exc.retryable), record
            ) from None
        record.calls.append(tax.record)
        record.response = {**tax.record.response, "state_value": parcel.data["state_value"]}
        data = {"parcel": parcel.data, "state_value": parcel.data["state_value"], **tax.data}
        return CallResult(data=data, record=record)
