"""The blueprints the web app registers, and the navigation they add: one line each.

``create_app`` imports every ``"module:attribute"`` in :data:`BLUEPRINTS` and registers it;
a module that is missing or broken stops the app from starting (no page silently vanishes).
:data:`NAV` entries appear in the top bar for users holding one of their roles, once their
endpoint exists.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: Blueprints in registration order ("module:attribute").
BLUEPRINTS: list[str] = [
    "webui.auth:bp",
    "webui.i18n:bp",
    "webui.vendor:bp",
    "webui.public:bp",
    "webui.admin:bp",
    "webui.officer_views:bp",
    "webui.counter:bp",
    "webui.tasks:bp",
    "webui.dossiers:bp",
    "webui.letters:bp",
    "webui.dashboard:bp",
    "webui.api:bp",
    "webui.citizen:bp",
    "webui.studio:bp",
    "webui.incidents:bp",
    "webui.prefill:bp",
    "webui.topbar:bp",
    "webui.dates:bp",
]

#: Officers' roles; ``None`` as roles means every signed-in user, ``()`` everyone (public).
STAFF = ("one_stop_officer", "specialist", "head_of_unit", "leader")

#: Top-bar links: (endpoint, label, roles that see it).
NAV: list[tuple[str, object, tuple[str, ...] | None]] = [
    ("tasks.board", _l("Công việc"), (*STAFF, "admin")),
    ("counter.pick", _l("Tiếp nhận hồ sơ"), ("one_stop_officer", "admin")),
    ("letters.late_list", _l("Hồ sơ trễ hạn"), ("leader", "head_of_unit", "admin")),
    ("dashboard.index", _l("Bảng điều hành"), ("leader", "head_of_unit", "admin")),
    ("studio.index", _l("Thiết kế quy trình"), ("designer", "admin")),
    ("incidents.index", _l("Sự cố"), ("head_of_unit", "admin")),
    ("admin.users", _l("Quản trị"), ("admin",)),
    ("public.lookup", _l("Tra cứu hồ sơ"), ()),
    ("citizen.home", _l("Dịch vụ công"), ()),
]
