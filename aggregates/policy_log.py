"""The live policy's log: each adoption of a policy file is an event of its own.

One small log (a fixed id) holds every `PolicyAdopted`, with who adopted which version on
which date, the file's text and its SHA-256, so the rules in force at any moment can be
shown again, and `--known-at` answers with the policy known then. Its version check makes
two concurrent adoptions collide like any other write.
"""

from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.domain import DomainEvent

from aggregates.errors import DomainError
from aggregates.policy import Policy

POLICY_LOG_ID = uuid5(NAMESPACE_URL, "urn:certification-lifecycle:policy")


class PolicyAdopted(DomainEvent):
    """A policy file became the live policy, by `actor`, decided on `adopted_on`."""

    version: str
    sha256: str
    text: str
    adopted_on: date
    actor: str
    note: str | None = None


def check_adoption(live: Policy, proposal: Policy, on: date,
                   adopted: list[PolicyAdopted]) -> None:
    """Refuse a version name already used for other content, and any change to the fee or
    the tax on a payment date before `on`: payments already judged stay judged (a CPD rule
    may change for cycles under way; decisions already recorded keep their figures)."""
    for earlier in adopted:
        if earlier.version == proposal.version:
            raise DomainError("ALREADY_DECIDED",
                              f"policy version {proposal.version} was adopted on "
                              f"{earlier.adopted_on}; give the new file a version of its own")
    for name in ("review_fee", "tax"):
        changed = _first_difference(getattr(live, name), getattr(proposal, name))
        if changed is not None and changed < on:
            raise DomainError(
                "INVALID_INPUT",
                f"the policy changes {name.replace('_', ' ')} for payments from {changed}, "
                f"before its adoption date {on}: fees already paid cannot be re-judged")


def _first_difference(a, b) -> date | None:
    """The first date on which two dated series give different values (None: never)."""
    points = sorted({*a.starts, *b.starts})
    for point in points:
        try:
            left = a.on(point)
        except ValueError:
            left = None
        try:
            right = b.on(point)
        except ValueError:
            right = None
        if left != right:
            return point
    return None
