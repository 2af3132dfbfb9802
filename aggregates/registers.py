"""Uniqueness across holders without a global lock.

Each unique value (a pass number, a bank reference, a certification-number sequence) has its
own tiny event log, keyed by uuid5 of the value, appended in the same atomic save as the
holder's events: two writers claiming the same value collide on the log's version and one
of them fails (and retries), so a duplicate is refused and nothing is written.
"""

from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import DomainEvent

from aggregates.errors import DomainError

REGISTER_NAMESPACE = uuid5(NAMESPACE_URL, "urn:certification-lifecycle:register")


def certification_sequences_id(qualification: str) -> UUID:
    """One id for all of a qualification's number sequences: what certifying writers of
    that qualification take turns on (the fiscal year is known only once the holder is read)."""
    return uuid5(REGISTER_NAMESPACE, f"certification-sequences:{qualification}")


def pass_number_id(pass_number: str) -> UUID:
    return uuid5(REGISTER_NAMESPACE, f"pass-number:{pass_number}")


def bank_reference_id(bank_reference: str) -> UUID:
    return uuid5(REGISTER_NAMESPACE, f"bank-reference:{bank_reference}")


def certification_numbers_id(qualification: str, fiscal_year: int) -> UUID:
    return uuid5(REGISTER_NAMESPACE, f"certification-numbers:{qualification}:{fiscal_year}")


def certification_number(qualification: str, fiscal_year: int, sequence: int) -> str:
    """認定番号: {QUAL}-{fiscal year of valid_from}-{5-digit sequence}."""
    return f"{qualification}-{fiscal_year}-{sequence:05d}"


class PassNumberClaimed(DomainEvent):
    """A pass number belongs to this holder (version 1 of the pass number's log)."""

    holder: str


class BankReferenceUsed(DomainEvent):
    """A bank transfer credited to a holder: once, or once per holder for a company
    transfer allocated by a clerk."""

    holder: str
    amount: int
    allocated_by: str | None
    transfer_amount: int | None
    bank_reference: str


class CertificationNumberIssued(DomainEvent):
    """The next number of a qualification and fiscal year (the log's version is the sequence)."""

    holder: str
    certification_number: str


def payer_key_id(key: str) -> UUID:
    return uuid5(REGISTER_NAMESPACE, f"payer-key:{key}")


class PayerKeyUsed(DomainEvent):
    """A holder has (had) a pending application or renewal request whose payer name on a
    bank statement would be this key (last 4 digits + kana, normalised): where the
    reconciliation of a statement row looks for candidates."""

    holder: str
    qualification: str
    purpose: str


class TransferUnmatched(DomainEvent):
    """A bank-statement transfer that matched no single pending application or request: it
    waits in the unmatched queue (version 1 of its bank reference's log) until a clerk
    allocates it."""

    bank_reference: str
    amount: int
    paid_on: date
    payer_name: str
    reason: str
    source: str


def check_bank_reference(reference: str, uses: list, number: str, args: dict) -> None:
    """A bank reference is used once, or once per holder by a clerk's allocation of a
    company transfer (or of an unmatched statement transfer), the allocations agreeing on
    the transfer amount and never exceeding it."""
    allocated_by, transfer = args["allocated_by"], args["transfer_amount"]
    received = next((u for u in uses if isinstance(u, TransferUnmatched)), None)
    allocations = [u for u in uses if isinstance(u, BankReferenceUsed)]
    if allocated_by is None or any(u.allocated_by is None for u in allocations):
        if uses:
            raise DomainError(
                "DUPLICATE_PAYMENT", f"bank reference {reference} is already recorded"
            )
        return
    if any(u.holder == number for u in allocations):
        raise DomainError(
            "DUPLICATE_PAYMENT", f"bank reference {reference} is already allocated to {number}"
        )
    agreed = received.amount if received else (allocations[0].transfer_amount
                                                if allocations else transfer)
    if transfer != agreed:
        raise DomainError(
            "DUPLICATE_PAYMENT",
            f"bank reference {reference} is a transfer of {agreed} JPY, not {transfer}",
        )
    allocated = sum(u.amount for u in allocations)
    if allocated + args["amount"] > transfer:
        raise DomainError(
            "DUPLICATE_PAYMENT",
            f"allocations of bank reference {reference} would exceed the transfer: "
            f"{allocated} of {transfer} JPY already allocated, {args['amount']} more asked",
        )
