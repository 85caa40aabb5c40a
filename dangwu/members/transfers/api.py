"""REST API of transfers (/api/v1/transfers/): scoped list, start, accept, reject — reads through
`selectors`, writes through `services`. Bad input answers 400 keyed by field."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangwu.core import access
from dangwu.core.audit import origin_of
from dangwu.core.roles import Cap
from dangwu.members import selectors as member_selectors
from dangwu.members.models import Transfer
from dangwu.orgs import selectors as org_selectors

from . import rules, selectors, services


class TransferSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()

    class Meta:
        model = Transfer
        fields = ["id", "kind", "status", "state", "member", "member_name", "member_type", "from_organization",
                  "from_name", "to_organization", "to_name", "to_address", "reason", "letter_number",
                  "previous_numbers", "issued_on", "valid_until", "decided_on", "reject_reason"]
        read_only_fields = fields

    def get_state(self, obj: Transfer) -> str:
        paths = access.scope_paths(self.context["request"].user, Cap.MEMBER_TRANSFER)
        incoming = obj.to_organization is not None and any(obj.to_organization.path.startswith(p) for p in paths) \
            and not (obj.from_organization is not None and any(obj.from_organization.path.startswith(p) for p in paths))
        return rules.transfer_state(status=obj.status, valid_until=obj.valid_until,
                                             on=timezone.localdate(), incoming=incoming).key


class StartTransferSerializer(serializers.Serializer):
    member = serializers.IntegerField(label=_("党员"))
    to_organization = serializers.IntegerField(label=_("接收党组织"), required=False, allow_null=True)
    to_name = serializers.CharField(label=_("平台外接收党组织名称"), max_length=120, required=False, allow_blank=True)
    to_address = serializers.CharField(label=_("接收党组织地址"), max_length=200, required=False, allow_blank=True)
    reason = serializers.CharField(label=_("转接原因"), max_length=200, required=False, allow_blank=True)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("退回原因"), max_length=1000, allow_blank=True)


class TransferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Transfers sent from or addressed to the caller's organizations (holding `member.transfer`).
    POST starts one (the sender); …/accept/ and …/reject/ are the receiving side's. A service's
    ValidationError answers 400 keyed by field (`core.api.exception_handler`)."""

    serializer_class = TransferSerializer
    permission_classes = [access.CapabilityPermission]
    required_capability = Cap.MEMBER_TRANSFER
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.visible_transfers(actor=self.request.user).order_by("-issued_on", "-id")

    def get_object(self):
        return access.get_in_scope_or_404(self.request, self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(request=StartTransferSerializer, responses={201: TransferSerializer})
    def create(self, request, *args, **kwargs):
        body = StartTransferSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        member = access.get_in_scope_or_400(request, member_selectors.members_in_scope(request.user, Cap.MEMBER_TRANSFER),
                                            field="member", message=_("党员不存在或不在您的权限范围内"), pk=data["member"])
        to_org = None
        if data.get("to_organization") is not None:
            to_org = org_selectors.organization_by_pk(pk=data["to_organization"])
            if to_org is None:
                raise serializers.ValidationError({"to_organization": [_("接收党组织不存在")]})
        transfer = services.start_transfer(actor=request.user, member=member, to_organization=to_org,
                                            to_name=data.get("to_name", ""), to_address=data.get("to_address", ""),
                                            reason=data.get("reason", ""), origin=origin_of(request))
        return Response(self.get_serializer(transfer).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        transfer = self.get_object()
        transfer = services.accept_transfer(actor=request.user, transfer=transfer, origin=origin_of(request))
        return Response(self.get_serializer(transfer).data)

    @extend_schema(request=RejectSerializer, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        transfer = self.get_object()
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        transfer = services.reject_transfer(actor=request.user, transfer=transfer,
                                             reason=body.validated_data["reason"], origin=origin_of(request))
        return Response(self.get_serializer(transfer).data)
