"""Pages of transfer proofs (转账凭证): a member hands one in; their branch's collectors list the
proofs waiting, look at each (the slip beside the months and the amount) and confirm it as a
payment or send it back; the file is downloaded only by the member and those collectors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from dangwu.core import access
from dangwu.core.audit import origin_of
from dangwu.core.formtools import apply_service_errors
from dangwu.core.roles import Cap
from dangwu.members import selectors as member_selectors

from . import proof_files, proof_selectors, proof_services, rules
from .models import TransferProof
from .proof_forms import ProofForm, RejectProofForm


@access.page()
def proof_submit_view(request):
    """A member hands in the proof of a bank transfer of their own dues (上传转账凭证)."""
    member = member_selectors.own_member(request.user)
    if member is None:
        raise PermissionDenied
    today = timezone.localdate()
    months = proof_selectors.proof_months(member=member, today=today)
    choices = [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m, _amount, state in months if not state]
    form = ProofForm(request.POST or None, request.FILES or None, month_choices=choices,
                     initial={"transferred_on": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("file")
        if upload is not None and upload.size > proof_files.MAX_BYTES:  # refused before it is read
            form.add_error("file", _("文件不能大于%(n)d MB") % {"n": proof_files.MAX_BYTES // (1024 * 1024)})
        else:
            try:
                proof = proof_services.submit_transfer_proof(
                    actor=request.user, member=member, months=[rules.parse_month(m) for m in data["months"]],
                    amount=data.get("amount"), reference=data.get("reference", ""),
                    transferred_on=data.get("transferred_on"), file_name=upload.name if upload else "",
                    file_data=upload.read() if upload else b"", origin=origin_of(request))
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已提交转账凭证（%(m)s，%(a)s 元），等待党支部确认") % {
                    "m": "、".join(proof.months), "a": proof.amount})
                return redirect("home:home")
    return render(request, "dues/proof_form.html", {
        "member": member, "form": form, "months": months, "window": rules.payable_window(today),
        "amounts": {f"{m:%Y-%m}": amount for m, amount, state in months if not state},
    })


@access.page(Cap.DUES_COLLECT)
def proofs_view(request):
    """The proofs waiting for the caller's confirmation (oldest first), and the latest decided."""
    user = request.user
    decided = proof_selectors.visible_proofs(actor=user).filter(
        access.scope_q(user, Cap.DUES_COLLECT, path_field="member__organization__path")).exclude(
        status=TransferProof.Status.PENDING).order_by("-decided_at", "-id")[:20]
    return render(request, "dues/proofs.html", {
        "waiting": list(proof_selectors.waiting_proofs(actor=user)[:200]), "decided": list(decided)})


@access.page()
def proof_view(request, pk: int):
    """One proof: the slip, the months and the amount. Its collectors confirm it (the payment is
    recorded) or send it back with a reason; the member sees where it stands."""
    proof = access.get_in_scope_or_404(request, proof_selectors.visible_proofs(actor=request.user), pk=pk)
    user = request.user
    can_decide = proof.status == TransferProof.Status.PENDING and proof_selectors.can_decide(actor=user, proof=proof)
    reject_form = RejectProofForm(request.POST if request.POST.get("decision") == "reject" else None)
    errors: list[str] = []
    if request.method == "POST":
        if not proof_selectors.can_decide(actor=user, proof=proof):
            raise PermissionDenied
        decision = request.POST.get("decision")
        try:
            if decision == "confirm":
                payment = proof_services.confirm_transfer_proof(actor=user, proof=proof, origin=origin_of(request))
                messages.success(request, _("已确认 %(name)s 的转账凭证，登记缴费 %(a)s 元，收据编号 %(n)s") % {
                    "name": proof.member.name, "a": payment.total_amount, "n": payment.receipt_number})
                return redirect("dues:proofs")
            if decision == "reject" and reject_form.is_valid():
                proof_services.reject_transfer_proof(actor=user, proof=proof, reason=reject_form.cleaned_data["reason"],
                                                     origin=origin_of(request))
                messages.success(request, _("已退回 %(name)s 的转账凭证") % {"name": proof.member.name})
                return redirect("dues:proofs")
            if decision not in ("confirm", "reject"):
                errors.append(_("请选择确认或退回"))
        except ValidationError as exc:
            if decision == "reject":
                apply_service_errors(reject_form, exc)
            else:
                errors.extend(exc.messages)
        proof.refresh_from_db()
        can_decide = proof.status == TransferProof.Status.PENDING
    return render(request, "dues/proof.html", {
        "proof": proof, "member": proof.member, "can_decide": can_decide, "reject_form": reject_form,
        "errors": errors, "is_image": proof_files.content_type(proof.file_name).startswith("image/"),
        "months_due": _months_due(proof) if can_decide else None,
        "own": proof.member.user_id == user.pk,
    })


def _months_due(proof: TransferProof) -> list[tuple[str, object]]:
    """What each month of the proof costs now (the confirming secretary compares it with the slip)."""
    from . import selectors

    return [(m, selectors.amount_for(member=proof.member, month=rules.parse_month(m))) for m in proof.months]


@access.page()
@never_cache
def proof_file_view(request, pk: int):
    """The slip itself, for the member who handed it in and their collectors (404 for anyone else),
    shown in the browser: an image or a PDF the upload checked."""
    proof = access.get_in_scope_or_404(request, proof_selectors.visible_proofs(actor=request.user), pk=pk)
    try:
        handle = proof.file.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=proof_files.content_type(proof.file_name),
                            filename=proof.file_name, as_attachment=request.GET.get("download") == "1")
    response["X-Content-Type-Options"] = "nosniff"
    return response
