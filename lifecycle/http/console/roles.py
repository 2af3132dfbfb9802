"""What each staff role may do in the console; the server checks every request against this
(a hidden button is a convenience, never the guard).

reader sees; clerk keys in (exam results, applications, payments, CPD, renewal requests,
imports); reviewer decides (certification, audits, renewals, discipline); auditor sees
everything, the full event timeline and the records as known at a past moment too; admin
manages the staff accounts.
"""

from __future__ import annotations

ALL = frozenset({"reader", "clerk", "reviewer", "auditor", "admin"})
PERMISSIONS: dict[str, frozenset[str]] = {
    "see": ALL,
    "key_in": frozenset({"clerk"}),
    "decide": frozenset({"reviewer"}),
    "timeline": frozenset({"clerk", "reviewer", "auditor"}),
    "known_at": frozenset({"auditor"}),
    "export": frozenset({"clerk", "auditor"}),
    "manage_users": frozenset({"admin"}),
}


def allows(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]
