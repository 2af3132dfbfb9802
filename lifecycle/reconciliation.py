"""Bank-statement reconciliation (SPEC §6): a transfer is matched to the one pending
application or renewal request whose payer name it carries; none or several, it waits in the
unmatched queue for a clerk to allocate.

Candidates come from the payer-key registers (written when an application is filed or a
renewal requested), and each candidate's aggregate says whether it is still pending under
that key, so the match never trusts a stale index.
"""

from __future__ import annotations

from aggregates import registers
from aggregates.errors import DomainError
from aggregates.holder import Holder
from aggregates.payer_name import normalise
from lifecycle.commands import RecordPayment, RecordTransfer
from lifecycle.unit_of_work import UnitOfWork


def payer_key_events(app, holder: Holder, uow: UnitOfWork) -> list:
    """Register entries for the holder's pending items not yet under their key."""
    staged = []
    for key, qualification, purpose in holder.pending_payer_keys():
        log_id = registers.payer_key_id(key)
        log = uow.register_log(log_id)
        if any(e.holder == holder.state.number and e.qualification == qualification
               and e.purpose == purpose for e in log):
            continue
        staged.append(registers.PayerKeyUsed(
            originator_id=log_id, originator_version=len(log) + 1,
            timestamp=registers.PayerKeyUsed.create_timestamp(), holder=holder.state.number,
            qualification=qualification, purpose=purpose))
    return staged


def record_transfer(app, command: RecordTransfer, *, actor: str, uow: UnitOfWork
                    ) -> tuple[list, dict]:
    bank_reference, amount = command.bank_reference, command.amount
    paid_on, payer_name = command.paid_on, command.payer_name
    reference_log = uow.register_log(registers.bank_reference_id(bank_reference))
    if reference_log:
        return [], {"already_recorded": True}
    key = normalise(payer_name)
    matches = []
    for number in sorted({e.holder for e in uow.register_log(registers.payer_key_id(key))}):
        holder = app.find(number, uow)
        matches += [(number, q, p) for k, q, p in holder.pending_payer_keys() if k == key]
    if len(matches) == 1:
        number, qualification, purpose = matches[0]
        try:
            events = app.record_payment(RecordPayment(
                holder=number, qualification=qualification, purpose=purpose,
                amount=amount, paid_on=paid_on, payer_name=payer_name,
                bank_reference=bank_reference), actor=actor, uow=uow)
        except DomainError as error:  # e.g. a fee that can no longer count: leave it to a clerk
            reason = f"matched {number} {qualification} {purpose} but refused: {error.code}"
        else:
            return events, {"matched": {"holder": number, "qualification": qualification,
                                        "purpose": purpose}}
    elif matches:
        reason = f"ambiguous: {len(matches)} pending items carry this payer name"
    else:
        reason = "no pending application or renewal request carries this payer name"
    uow.stage(None, [], [registers.TransferUnmatched(
        originator_id=registers.bank_reference_id(bank_reference), originator_version=1,
        timestamp=registers.TransferUnmatched.create_timestamp(),
        bank_reference=bank_reference, amount=amount,
        paid_on=paid_on, payer_name=payer_name, reason=reason, source=actor)])
    return [], {"unmatched": {"reason": reason}}
