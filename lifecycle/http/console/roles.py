"""What each staff role may do in the console; the server checks every request against this
(a hidden button is a convenience, never the guard).

reader sees; clerk keys in (exam results, applications, payments, CPD, renewal requests,
imports); reviewer decides (certification, audits, renewals, discipline); auditor sees
everything, the full event timeline and the records as known at a past moment too; admin
manages the staff accounts; reviewer, auditor and admin may ask what a proposed policy would
change (what-if).
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
    # What-if is the board's instrument, asked before a rule changes: reviewers decide under
    # the rules and prepare the board's papers, auditors judge what a change would do, and
    # the administrator serves the board's secretariat. A run replays the whole register
    # for minutes on the office's server, so it is not everyone's daily tool.
    "what_if": frozenset({"reviewer", "auditor", "admin"}),
}


def allows(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]
