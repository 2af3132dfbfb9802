"""The read-model tables (docs/read-models.md describes every column for SQL consumers).

Defined without a schema: on PostgreSQL the engine's `schema_translate_map` puts them in the
schema named by the URL (see projections.database), beside the event store's own tables.
Dates are stored as dates and statuses are computed at query time (projections.status_sql),
or stored as spans over every date (credential_statuses), so no row goes stale because a
day passed.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import postgresql

metadata = MetaData()

# Search keys compare in code-point order (a prefix is a range) whatever the database's
# collation.
SEARCH_KEY = Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")

POINTS = Numeric(8, 2)  # CPD points: at most 2 decimal places (SPEC §5)

tracking = Table(
    "projection_tracking", metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),  # last notification id applied
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

holders = Table(
    "holders", metadata,
    Column("holder_number", String(64), primary_key=True),
    Column("aggregate_id", String(32), nullable=False),  # uuid hex, unique (below)
    Column("name", Text, nullable=False),
    Column("name_kana", Text, nullable=False),
    Column("email", Text),
    Column("last_business_date", Date),
    Column("version", Integer, nullable=False),  # the holder's last event applied
    Column("position", BigInteger, nullable=False),
    # Earliest date on which a scheduler fact (window opened, lapse, pass report expired)
    # becomes due and is not yet recorded; NULL when none is pending.
    Column("next_due_on", Date),
    # The name and kana folded as payer names are (aggregates.payer_name.normalise: NFKC,
    # no spaces, small kana made large), for the console's prefix search.
    Column("search_name", SEARCH_KEY),
    Column("search_kana", SEARCH_KEY),
    Index("ix_holders_next_due_on", "next_due_on", "holder_number"),
)

# Aggregate ids are random, so each holder's entry lands on a page of its own: built row by
# row during a rebuild, this index alone doubled the volume each page's commit wrote. A
# rebuild builds it once the log is replayed (projections.database), or as soon as its
# projector must look a holder up by id.
holders_by_aggregate_id = Index("ix_holders_aggregate_id", holders.c.aggregate_id, unique=True)
# The console's name search: keys in no order of the log, deferred alike.
holders_by_name = Index("ix_holders_search_name", holders.c.search_name,
                        holders.c.holder_number)
holders_by_kana = Index("ix_holders_search_kana", holders.c.search_kana,
                        holders.c.holder_number)
DEFERRED_INDEXES = (holders_by_aggregate_id, holders_by_name, holders_by_kana)

credentials = Table(
    "credentials", metadata,
    Column("holder_number", String(64), primary_key=True),
    Column("qualification", String(8), primary_key=True),
    # qualified | attempt | certified | renewal_requested | renewal_accepted | renewal_audit
    Column("stage", String(24), nullable=False),
    # The first-certification attempt shown when no certification is (passed, applied,
    # accepted, rejected); beside a certification stage: shown once that certification lapses.
    Column("attempt_stage", String(16)),
    Column("attempt_pass_report_valid_until", Date),
    Column("certification_number", String(32)),
    Column("period_no", Integer),  # 0 for the first period, +1 per renewal
    Column("valid_from", Date),  # latest granted period; first pass date for SV/OP/EN
    Column("valid_until", Date),
    Column("window_opens_on", Date),
    Column("window_closes_on", Date),
    Column("previous_valid_from", Date),
    Column("previous_valid_until", Date),
    Column("pass_report_valid_until", Date),  # of the certification's pass
    Column("under_review", Boolean, nullable=False, default=False),
    Column("application_filed_on", Date),
    Column("application_accepted_on", Date),
    Column("renewal_requested_on", Date),
    Column("renewal_accepted_on", Date),
    Column("audit_selected", Boolean, nullable=False, default=False),
    Column("audit_completed_on", Date),
    Column("fee_due", Integer),
    Column("fee_paid", Integer),
    Column("fee_shortfall", Integer),
    Column("fee_excess", Integer),
    Column("cpd_counted", POINTS),
    Column("cpd_logged", POINTS),
    Column("cpd_a", POINTS),
    Column("cpd_b", POINTS),
    Column("cpd_c", POINTS),
    Column("cpd_d", POINTS),
    # Points the period's cycle needs under the live policy (NULL in rows from before
    # policies: SPEC's 30).
    Column("cpd_required", POINTS),
    # SPEC §11: first day of the open suspension of the certification shown; the day it (or
    # an operation qualification) was revoked, unless a newer exam pass has replaced it.
    Column("suspended_on", Date),
    Column("revoked_on", Date),
    Column("position", BigInteger, nullable=False),
    # A status filter either walks one stage in holder order (dense statuses) or reads a
    # date range of it (sparse ones); the planner picks from these.
    Index("ix_credentials_stage_holder", "stage", "holder_number", "qualification"),
    Index("ix_credentials_stage_valid_until", "stage", "valid_until"),
    Index("ix_credentials_stage_window", "stage", "window_closes_on"),
    Index("ix_credentials_attempt_holder", "attempt_stage", "holder_number", "qualification"),
    Index("ix_credentials_attempt", "attempt_stage", "attempt_pass_report_valid_until"),
    Index("ix_credentials_qualification", "qualification", "holder_number"),
)

credential_statuses = Table(
    # Each credential's status as a function of the date: the spans of dates over which
    # `status_sql.status_expression` is constant, from the minimum date to the maximum (at
    # most six per credential, usually two to four). Rewritten with the credential, so a
    # filter "status S on D" is exact on any date with no new event, and reads indexes only.
    "credential_statuses", metadata,
    Column("holder_number", String(64), primary_key=True),
    Column("qualification", String(8), primary_key=True),
    Column("from_on", Date, primary_key=True),  # first day of the span (0001-01-01: open)
    Column("until_on", Date, nullable=False),  # last day (9999-12-31: open)
    Column("status", String(24), nullable=False),
    # How to find the spans containing a date D without reading the others (status_sql):
    # -1: open start, anchor = until_on >= D; -2: open end, anchor = from_on <= D;
    # c >= 0: bounded, (until_on - from_on) < 2**c days, anchor = from_on in (D - 2**c, D].
    Column("kind", Integer, nullable=False),
    Column("anchor", Date, nullable=False),
    # Walked in keyset order when the status is common on D ...
    Index("ix_credential_statuses_key", "status", "holder_number", "qualification",
          "from_on", "until_on"),
    # ... read by date and sorted when it is rare.
    Index("ix_credential_statuses_anchor", "status", "kind", "anchor", "until_on",
          "holder_number", "qualification"),
)

certification_periods = Table(
    "certification_periods", metadata,
    Column("holder_number", String(64), primary_key=True),
    Column("certification_number", String(32), primary_key=True),
    Column("period_no", Integer, primary_key=True),
    Column("qualification", String(8), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("granted_on", Date, nullable=False),
    Column("window_opens_on", Date, nullable=False),
    Column("window_closes_on", Date, nullable=False),
    Column("renewed_on", Date),  # decision date of the renewal that granted the next period
    Column("under_review", Boolean, nullable=False),
    Column("window_opened_recorded", Boolean, nullable=False),
    Column("lapse_recorded", Boolean, nullable=False),
    Column("cpd_counted", POINTS, nullable=False),
    Column("cpd_logged", POINTS, nullable=False),
    Column("cpd_a", POINTS, nullable=False),
    Column("cpd_b", POINTS, nullable=False),
    Column("cpd_c", POINTS, nullable=False),
    Column("cpd_d", POINTS, nullable=False),
    Column("cpd_required", POINTS),  # under the live policy; NULL in older rows: 30
    Column("revoked_on", Date),  # the certification's revocation (SPEC §11), on every period
    Index("ix_periods_in_force", "qualification", "valid_from", "valid_until"),
    Index("ix_periods_valid_until", "valid_until"),
    Index("ix_periods_window_opens", "window_opens_on"),
    Index("ix_periods_granted_on", "granted_on"),
)

cpd_entries = Table(
    "cpd_entries", metadata,
    Column("holder_number", String(64), primary_key=True),
    Column("entry_id", String(128), primary_key=True),
    Column("category", String(1), nullable=False),
    Column("field", Integer),
    Column("activity_on", Date, nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("hours", POINTS, nullable=False),
    Column("title", Text, nullable=False),
    Column("provider", Text, nullable=False),
    Column("logged_on", Date, nullable=False),
    Column("withdrawn_on", Date),
    Column("disallowed_on", Date),
    Column("counts", Boolean, nullable=False),  # neither withdrawn nor disallowed
)

payments = Table(
    "payments", metadata,
    Column("bank_reference", String(128), primary_key=True),
    Column("holder_number", String(64), primary_key=True),
    Column("qualification", String(8), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("amount", Integer, nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("payer_name", Text),
    Column("allocated_by", Text),
    Column("transfer_amount", Integer),
    Column("credited_to", String(16), nullable=False),  # application | renewal_request | credit
    Column("fee_due", Integer),
    Column("fee_paid", Integer),
    Column("shortfall", Integer),
    Column("excess", Integer),
    Column("position", BigInteger, nullable=False),
    Index("ix_payments_holder", "holder_number", "paid_on"),
    Index("ix_payments_paid_on", "paid_on"),
)

unmatched_payments = Table(
    # Bank-statement transfers that matched no single pending item (TransferUnmatched), and
    # how much of each clerks have allocated since; a row leaves the queue once fully
    # allocated.
    "unmatched_payments", metadata,
    Column("bank_reference", String(128), primary_key=True),
    Column("amount", Integer, nullable=False),
    Column("allocated", Integer, nullable=False, default=0),
    Column("paid_on", Date, nullable=False),
    Column("payer_name", Text),
    Column("source", Text),  # statement file and line
    Column("reason", Text),
    Column("received_at", DateTime(timezone=True)),
    Index("ix_unmatched_paid_on", "paid_on"),
)

faults = Table(
    # A record a runner could not write (one row per runner): catch-ups stop there and say
    # so, naming it, until the cause is fixed or its holder skipped.
    "projection_faults", metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("aggregate_id", String(32)),
    Column("holder_number", String(64)),
    Column("event_type", String(100)),
    Column("error", String(200)),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)

skipped_holders = Table(
    # Holders an operator set aside after a fault: their rows are removed and their events
    # are not projected until the next rebuild replays them.
    "projection_skips", metadata,
    Column("aggregate_id", String(32), primary_key=True),
    Column("holder_number", String(64)),
    Column("position", BigInteger, nullable=False),
    Column("event_type", String(100)),
    Column("skipped_by", String(200)),
    Column("skipped_at", DateTime(timezone=True), nullable=False),
)

# Rebuilt from events (a rebuild also clears the faults and the skipped holders).
PROJECTED = (holders, credentials, credential_statuses, certification_periods, cpd_entries,
             payments, unmatched_payments, faults, skipped_holders)
PER_HOLDER = (credentials, credential_statuses, certification_periods, cpd_entries)
