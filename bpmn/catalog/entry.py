"""The catalogue entry: what the product knows about one administrative procedure.

Importers (xlsx, portal JSON, the product's CSV/YAML) produce entries; the generator turns
an entry into a BPMN model and an eForm skeleton. A value the source does not state with
confidence stays ``None``/empty and is named in ``flags`` — never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# ``CatalogueEntry`` has an attribute called ``field``: keep a second name for the factory.
_field = field

Mode = Literal["partial", "full", "info"]  # một phần / toàn trình / cung cấp thông tin
Channel = Literal["online", "post", "direct"]


@dataclass
class Deadline:
    """A legal deadline: ``amount`` of ``unit`` ('working_days', 'days', 'working_hours')."""

    amount: float | None
    unit: str | None = "working_days"
    text: str = ""  # what the source said, verbatim


@dataclass
class ChannelTerms:
    channel: Channel
    deadline: Deadline | None = None
    fee: str | None = None  # verbatim fee text ("Không", "50.000 đồng/bản"...)
    fee_vnd: int | None = None  # only when the amount is unambiguous
    description: str = ""


@dataclass
class RequiredDocument:
    name: str
    originals: int | None = None
    copies: int | None = None
    form_name: str | None = None  # mẫu đơn, tờ khai


@dataclass
class Flag:
    """Something the importer could not parse reliably: the field and why."""

    field: str
    message: str


@dataclass
class CatalogueEntry:
    code: str  # national procedure code d.dddddd
    name: str
    field: str | None = None  # lĩnh vực
    level: list[str] = _field(default_factory=list)  # "province", "commune", "ministry", "district"
    mode: Mode = "partial"
    issuing_agency: str | None = None  # cơ quan ban hành
    competent_agency: str | None = None  # cơ quan thực hiện
    coordinating_agencies: list[str] = _field(default_factory=list)
    channels: list[ChannelTerms] = _field(default_factory=list)
    documents: list[RequiredDocument] = _field(default_factory=list)
    results: list[str] = _field(default_factory=list)
    result_codes: list[str] = _field(default_factory=list)  # KQ.G15.000031
    legal_basis: list[str] = _field(default_factory=list)
    partners: list[str] = _field(default_factory=list)  # adapter keys: population, civil_status…
    steps_text: str = ""  # trình tự thực hiện, verbatim
    source: str = ""  # file or URL it came from
    synthetic: bool = False  # generated for scale tests, not a real procedure
    flags: list[Flag] = _field(default_factory=list)

    def deadline(self) -> Deadline | None:
        """Return the legal deadline used for the dossier clock (the direct channel's first)."""
        order = {"direct": 0, "online": 1, "post": 2}
        for terms in sorted(self.channels, key=lambda c: order.get(c.channel, 9)):
            if terms.deadline and terms.deadline.amount is not None:
                return terms.deadline
        return None
