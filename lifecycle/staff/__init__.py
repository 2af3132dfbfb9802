"""Staff accounts and console sessions: who may use the office console, in which role.

Kept in tables of their own in the event store's database (`tables`), never among the
read models, so that a rebuild never drops an account; account changes are also written to
an append-only log there (`staff_account_log`) for the audit trail.
"""

from lifecycle.staff.accounts import ROLES, Account, AccountError, Accounts
from lifecycle.staff.sessions import Session, Sessions

__all__ = ["ROLES", "Account", "AccountError", "Accounts", "Session", "Sessions"]
