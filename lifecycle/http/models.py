"""Response shapes for the OpenAPI document (and so for schemathesis' response checks).

Routes answer with the contract's own dicts (`JSONResponse`), never re-serialised through
these models: the status object must be byte-for-byte what `app.status` builds. The models
only describe it.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from projections.status_sql import STATUSES

Status = Literal[STATUSES]  # type: ignore[valid-type]
Points = str  # decimal string, e.g. "23" or "3.5"


class ErrorDetail(BaseModel):
    code: str = Field(description="A SPEC.md error code, or a transport code "
                      "(UNAUTHORIZED, FORBIDDEN, NOT_FOUND, METHOD_NOT_ALLOWED, "
                      "INTERNAL_ERROR, UNAVAILABLE).")
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class RenewalWindow(BaseModel):
    opens_on: date
    closes_on: date


class Cpd(BaseModel):
    counted: Points
    logged: Points
    required: Points
    by_category: dict[str, Points]


class QualificationStatus(BaseModel):
    status: Status
    certification_number: str | None
    valid_from: date | None
    valid_until: date | None
    renewal_window: RenewalWindow | None
    pass_report_valid_until: date | None
    cpd: Cpd | None


class HolderStatus(BaseModel):
    """SPEC §8 "Status": the same object as `lifecycle status --json`."""

    holder: str
    name: str
    name_kana: str
    qualifications: dict[str, QualificationStatus]


class HistoryEvent(BaseModel):
    type: str
    business_date: date
    recorded_at: str = Field(description="ISO date-time with offset")
    actor: str
    version: int
    data: dict[str, Any]


class History(BaseModel):
    """The same object as `lifecycle history --json`."""

    holder: str
    events: list[HistoryEvent]


class Credential(QualificationStatus):
    holder: str
    name: str
    name_kana: str
    qualification: str


class CredentialsPage(BaseModel):
    items: list[Credential]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; "
                                    "null on the last page.")


class Period(BaseModel):
    holder: str
    name: str
    name_kana: str
    qualification: str
    certification_number: str
    period_no: int
    valid_from: date
    valid_until: date
    granted_on: date
    renewal_window: RenewalWindow
    renewed_on: date | None
    outcome: Literal["renewed", "revoked", "upcoming", "current", "renewal_under_review",
                     "lapsed"]
    cpd_counted: Points


class WindowsPage(BaseModel):
    items: list[Period]
    next_cursor: str | None


class QualificationCounts(BaseModel):
    statuses: dict[str, int]
    renewals_due: int
    renewed: int
    lapsed: int
    renewal_under_review: int
    revoked: int = 0  # periods due whose certification was revoked (SPEC §11)
    new_certifications: int


class FiscalYearReport(BaseModel):
    model_config = {"populate_by_name": True}

    fiscal_year: int
    from_: date = Field(alias="from")
    until: date
    as_of: date
    qualifications: dict[str, QualificationCounts]


class FeedEvent(HistoryEvent):
    position: int = Field(description="Notification id: strictly increasing along the feed.")
    holder: str


class Feed(BaseModel):
    items: list[FeedEvent]
    next_after: int = Field(description="Pass as `after` to resume: the last position read, "
                            "or the `after` given when nothing new was recorded.")


class CommandResult(BaseModel):
    """SPEC §8: `{"ok": true, "events": [...]}` or `{"ok": false, "error": {...}}`."""

    ok: bool
    events: list[HistoryEvent] | None = None
    error: ErrorDetail | None = None


class Verification(BaseModel):
    """Public: nothing about the person beyond the family name."""

    certification_number: str
    qualification: str
    status: Status
    valid_from: date
    valid_until: date
    name: str = Field(description="Family name followed by ' *'.")
    as_of: date


class Projection(BaseModel):
    position: int
    head: int
    lag: int
    updated_at: str | None


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    projection: Projection


def errors(*statuses: int) -> dict:
    """The `responses=` of a route: each listed status answers an ErrorBody."""
    return {status: {"model": ErrorBody} for status in statuses}


class IssuerKey(BaseModel):
    key_id: str
    algorithm: Literal["Ed25519"]
    public_key: str = Field(description="Base64 of the raw 32-byte public key.")
    did: str = Field(description="The key as a did:key: a credential's issuer id.")
    created_at: str
    active: bool


class IssuerKeys(BaseModel):
    """Public: the body's signing keys, every one ever active (credentials signed before a
    rotation verify with the key they name)."""

    issuer: str
    keys: list[IssuerKey]
