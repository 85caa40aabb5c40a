"""REST API of member records (/api/v1/members/): scoped reads, masked numbers, writes through services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from dangwu.core import access
from dangwu.core.roles import Cap

from . import selectors, services
from .models import Member


class MemberSerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="organization_id", label=_("所在党组织"))
    id_number = serializers.CharField(label=_("公民身份号码"), max_length=18, write_only=False)
    phone = serializers.CharField(label=_("联系电话"), max_length=20, required=False, allow_blank=True)

    class Meta:
        model = Member
        fields = ["id", "name", "organization", "member_type", "standing", "id_number", "phone",
                  *[f for f in services.EDITABLE_FIELDS if f not in {"name", "member_type"}],
                  "standing_since", "created_at", "updated_at"]
        read_only_fields = ["id", "standing", "standing_since", "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = self.context["request"].user
        full = access.can(user, Cap.MEMBER_VIEW_SENSITIVE, instance.organization)
        data["id_number"] = instance.id_number_masked
        data["phone"] = instance.phone_masked
        data["id_number_full"] = full  # whether GET …/{id}/?reveal=id_number may show it in full
        return data


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Members of the caller's scope. Filters: `q` (name, pinyin, initials, exact ID number),
    `organization` (subtree), `member_type`, `standing`. ID and phone numbers are masked;
    `?reveal=id_number` or `?reveal=phone` on one member shows it in full to a role that may,
    and that reading is audited."""

    serializer_class = MemberSerializer
    permission_classes = [access.CapabilityPermission]
    required_capability = None  # a plain member may read their own record
    capability_by_method = {"POST": Cap.MEMBER_EDIT, "PUT": Cap.MEMBER_EDIT, "PATCH": Cap.MEMBER_EDIT}
    lookup_value_regex = r"[0-9]+"  # a non-numeric id is a 404, not a ValueError in the lookup

    def get_queryset(self):
        params = self.request.query_params
        org = None
        if params.get("organization"):
            try:
                org_id = int(params["organization"])
            except ValueError:
                return Member.objects.none()
            org = access.organizations(self.request.user).filter(pk=org_id).first()
            if org is None:
                return Member.objects.none()
        return selectors.search_members(
            actor=self.request.user, query=params.get("q", "")[:50], organization=org,
            member_type=params.get("member_type", "")[:20], standing=params.get("standing", "")[:20],
        )

    def get_object(self):
        return access.get_in_scope_or_404(self.request, self.get_queryset(), pk=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        member = self.get_object()
        data = self.get_serializer(member).data
        reveal = request.query_params.get("reveal")
        if reveal:
            data[reveal if reveal in services.SENSITIVE else "reveal"] = services.reveal_sensitive(
                actor=request.user, member=member, field=reveal, request=request)
        return Response(data)

    def _fields(self, validated: dict) -> dict:
        return {k: v for k, v in validated.items() if k in services.EDITABLE_FIELDS}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        org = access.organizations(request.user, Cap.MEMBER_EDIT).filter(pk=data["organization_id"]).first()
        if org is None:
            raise serializers.ValidationError({"organization": [_("党组织不存在或不在您的权限范围内")]})
        member = services.create_member(actor=request.user, organization=org, fields=self._fields(data),
                                        id_number=data["id_number"], phone=data.get("phone", ""), request=request)
        return Response(self.get_serializer(member).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        member = access.get_in_scope_or_404(request, access.members(request.user, Cap.MEMBER_EDIT),
                                            pk=self.kwargs["pk"])
        serializer = self.get_serializer(member, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "organization_id" in data and data["organization_id"] != member.organization_id:
            raise serializers.ValidationError({"organization": [_("转移组织关系请使用组织关系转接功能")]})
        member = services.update_member(actor=request.user, member=member, fields=self._fields(data),
                                        id_number=data.get("id_number"), phone=data.get("phone"), request=request)
        return Response(self.get_serializer(member).data)
