"""Transfer proofs (转账凭证): a member who paid their dues by bank transfer hands in the bank's
slip; whoever collects dues at the member's organization confirms it as a payment or sends it
back with a reason. Each service: keyword-only, one transaction, one audit entry of its action.

Confirming records the payment through the very checks and writes of a payment recorded at the
desk (`services._record_payment`: months payable, not paid already, back payments at most six
months, the transaction reference of a transfer, 党费交至 moved forward, the receipt) — as ONE
audit entry, `dues.proof_confirm`, whose summary is the payment's plus the proof: the auditor
reads one act, not a payment and a confirmation that could be told apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from dangwu.core import audit
from dangwu.core.audit import Origin, audited
from dangwu.core.validators import control_character_problem
from dangwu.members.models import Member

from . import proof_files, proof_selectors, rules, selectors, services
from .models import Assessment, AuditAction, Payment, TransferProof

TRANSFER = str(Payment.Method.TRANSFER)  # "transfer", 银行转账: how a confirmed proof was paid


def _today() -> date:
    return timezone.localdate()


def _month_errors(*, member: Member, months: Iterable[Any], today: date,
                  errors: dict[str, list[str]]) -> tuple[list[date], Decimal]:
    """The months a proof names, checked as a payment checks them, and what they cost."""
    chosen: list[date] = []
    for value in months or []:
        if not isinstance(value, date):
            errors.setdefault("months", []).append(_("月份格式不正确"))
            return [], Decimal("0")
        if rules.month_start(value) not in chosen:
            chosen.append(rules.month_start(value))
    chosen.sort()
    if not chosen:
        errors.setdefault("months", []).append(_("请选择这笔转账交纳的月份"))
    rows = {a.month: a for a in Assessment.objects.filter(member=member, month__in=chosen)}
    waiting = proof_selectors.pending_months(member=member)
    due = Decimal("0")
    for month in chosen:
        label = f"{month:%Y-%m}"
        problem = rules.month_payable_error(month, today)
        if problem == "back":
            errors.setdefault("months", []).append(_("%(m)s：补交党费最多补交6个月，更早的月份不能补交") % {"m": label})
        elif problem == "advance":
            errors.setdefault("months", []).append(_("%(m)s：预交党费只能预交到本年度12月") % {"m": label})
        elif month < rules.first_month(member.joined_on):
            errors.setdefault("months", []).append(_("%(m)s：早于入党的月份") % {"m": label})
        elif (row := rows.get(month)) is not None and row.paid:
            errors.setdefault("months", []).append(_("%(m)s：已经交纳") % {"m": label})
        elif month in waiting:
            errors.setdefault("months", []).append(_("%(m)s：已在另一份待确认的转账凭证中") % {"m": label})
        else:
            amount = row.amount_due if row is not None else selectors.amount_for(member=member, month=month)
            if amount is None:
                errors.setdefault("months", []).append(
                    _("%(m)s：尚未申报党费基数，请先请党支部申报") % {"m": label})
            else:
                due += amount
    return chosen, due


@audited(AuditAction.PROOF_SUBMIT)
def submit_transfer_proof(
    *, actor: User, member: Member, months: Iterable[date], amount: Any, reference: str, transferred_on: Any,
    file_name: str, file_data: bytes, origin: Origin | None = None,
) -> TransferProof:
    """A member hands in the proof of a bank transfer of their own dues (上传转账凭证).

    Only for oneself: the actor must be the member. The months are checked as a payment checks
    them (and none may be on another proof still waiting); the amount must be what those months
    cost, so that the secretary compares one figure with the bank's; the transaction reference
    and the date of the transfer (not in the future, at most six months back, as a payment's)
    are required; the file is a JPG, PNG or PDF of bounded size without a 密级 marking."""
    if member.user_id is None or member.user_id != getattr(actor, "pk", None):
        raise PermissionDenied("a member hands in proofs of their own dues only")
    member = Member.objects.select_for_update().select_related("organization").get(pk=member.pk)
    today = _today()
    errors: dict[str, list[str]] = {}
    if not member.in_good_standing:
        errors["member"] = [_("党籍状态为“%(s)s”，不能交纳党费") % {"s": member.get_standing_display()}]
    chosen, due = _month_errors(member=member, months=months, today=today, errors=errors)
    value = services._money(amount, field_name="amount", errors=errors, allow_zero=False)
    if value is None and "amount" not in errors:
        errors["amount"] = [_("请填写转账金额")]
    elif value is not None and "amount" not in errors:
        if value <= 0:
            errors["amount"] = [_("转账金额应大于0")]
        elif "months" not in errors and value != due:
            errors["amount"] = [_("转账金额%(a)s元与所选月份应交合计%(d)s元不一致") % {"a": value, "d": due}]
    reference = (reference or "").strip() if isinstance(reference, str) else ""
    if not reference:
        errors["reference"] = [_("请填写银行回单上的交易流水号")]
    elif len(reference) > 64:
        errors["reference"] = [_("交易流水号最多64个字符")]
    if problem := rules.payment_date_problem(transferred_on, today):
        errors["transferred_on"] = [{"missing": _("请填写转账日期"), "future": _("转账日期不能晚于今天"),
                                     "back": _("转账日期不能早于6个月前")}[problem]]
    problem = proof_files.check_proof_file(name=file_name, data=file_data or b"")
    if problem:
        errors["file"] = [problem]
    if errors:
        raise ValidationError(errors)
    proof = TransferProof(member=member, organization=member.organization, months=[f"{m:%Y-%m}" for m in chosen],
                          amount=value, reference=reference, transferred_on=transferred_on,
                          file_name=file_name[-200:], size=len(file_data), submitted_by=actor)
    proof.file.save(f"proof{proof_files.content_suffix(file_name)}", ContentFile(file_data), save=False)
    proof.save()
    audit.record(actor=actor, action=AuditAction.PROOF_SUBMIT, target=proof, organization=member.organization,
                 origin=origin, summary={"member": member.pk, "months": proof.months, "amount": str(value),
                                         "reference": reference, "transferred_on": transferred_on.isoformat(),
                                         "file": proof.file_name, "size": proof.size})
    return proof


def _lock_pending(*, actor: User, proof: TransferProof, confirming: bool) -> TransferProof:
    """The proof locked for a decision: the actor collects dues at the member's organization, and
    the proof still waits (a second confirmation, or one of a proof sent back, is refused)."""
    if not proof_selectors.can_decide(actor=actor, proof=proof):
        raise PermissionDenied("dues.collect not held at the member's organization")
    proof = TransferProof.objects.select_for_update(of=("self",)).select_related(
        "member", "member__organization").get(pk=proof.pk)
    if proof.status != TransferProof.Status.PENDING:
        message = _("该转账凭证%(s)s，不能再确认") if confirming else _("该转账凭证%(s)s，不能再退回")
        raise ValidationError({"proof": [message % {"s": proof.get_status_display()}]})
    return proof


@audited(AuditAction.PROOF_CONFIRM)
def confirm_transfer_proof(*, actor: User, proof: TransferProof, origin: Origin | None = None) -> Payment:
    """Confirm a member's transfer proof (确认转账凭证): the payment of its months is recorded as a
    bank transfer with its reference and date, by the rules of `record_payment`, and the proof
    keeps the payment. The amount the months cost now must still be the proof's (a declaration
    changed in between: send the proof back instead). One audit entry, `dues.proof_confirm`."""
    proof = _lock_pending(actor=actor, proof=proof, confirming=True)
    payment = services._record_payment(
        actor=actor, member=proof.member, months=proof.month_dates, method=TRANSFER,
        reference=proof.reference, paid_on=proof.transferred_on,
        note=_("党员上传的转账凭证（%(d)s提交）") % {"d": timezone.localtime(proof.submitted_at).strftime("%Y-%m-%d")},
        origin=origin, action=AuditAction.PROOF_CONFIRM,
        summary={"proof": proof.pk, "proof_amount": str(proof.amount)})
    if payment.total_amount != proof.amount:
        raise ValidationError({"amount": [_("所选月份现在应交%(d)s元，与凭证上的转账金额%(a)s元不一致，请退回凭证并说明") % {
            "d": payment.total_amount, "a": proof.amount}]})
    proof.status, proof.decided_by, proof.decided_at, proof.payment = (
        TransferProof.Status.CONFIRMED, actor, timezone.now(), payment)
    proof.save(update_fields=["status", "decided_by", "decided_at", "payment"])
    return payment


@audited(AuditAction.PROOF_REJECT)
def reject_transfer_proof(*, actor: User, proof: TransferProof, reason: str, origin: Origin | None = None
                          ) -> TransferProof:
    """Send a transfer proof back (退回转账凭证) with the reason the member reads on their home page
    (the money did not arrive, the slip is unreadable, the months are wrong …); nothing is paid."""
    proof = _lock_pending(actor=actor, proof=proof, confirming=False)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError({"reason": [_("请填写退回原因，党员会看到它")]})
    if len(reason) > 200:
        raise ValidationError({"reason": [_("退回原因最多200个字")]})
    if problem := control_character_problem(reason):
        raise ValidationError({"reason": [problem]})
    proof.status, proof.decided_by, proof.decided_at = TransferProof.Status.REJECTED, actor, timezone.now()
    proof.rejection_reason = reason
    proof.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
    audit.record(actor=actor, action=AuditAction.PROOF_REJECT, target=proof, organization=proof.member.organization,
                 origin=origin, summary={"member": proof.member_id, "months": proof.months,
                                         "amount": str(proof.amount), "reason": reason})
    return proof
