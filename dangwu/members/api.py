"""REST API of member records (/api/v1/members/): scoped reads, masked numbers, writes through services."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from dangwu.core import access
from dangwu.core.audit import origin_of
from dangwu.core.roles import Cap
from dangwu.orgs import selectors as org_selectors

from . import rules, selectors, services
from .models import Member, MemberType, Standing


def _unless_masked(value: str | None) -> str | None:
    """None (keep the stored number) for a masked number sent back as it was read (4301**********1234)."""
    return None if value is None or "*" in value else value


class MemberSerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="organization_id", label=_("所在党组织"))
    # Read back masked (`to_representation`: the stored masked copy, never a decryption to throw
    # away). Required on create; on update leave it out, or send the masked form back unchanged
    # (PUT of what GET answered), to keep the stored number.
    id_number = serializers.CharField(label=_("公民身份号码"), max_length=18, required=False, write_only=True)
    phone = serializers.CharField(label=_("联系电话"), max_length=20, required=False, allow_blank=True,
                                  write_only=True)

    class Meta:
        model = Member
        fields = ["id", "name", "organization", "member_type", "standing", "id_number", "phone",
                  *[f for f in rules.EDITABLE_FIELDS if f not in {"name", "member_type"}],
                  "standing_since", "created_at", "updated_at"]
        read_only_fields = ["id", "standing", "standing_since", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is None:  # creating: the number is required
            self.fields["id_number"].required = True

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The record's own rules (`rules.record_errors`, as the form and the roster import), on the
        record as it would be stored: on update, the fields sent over the stored ones."""
        member = self.instance if isinstance(self.instance, Member) else None
        values: dict[str, Any] = {name: getattr(member, name) for name in rules.EDITABLE_FIELDS} if member else {}
        values.update((name, value) for name, value in attrs.items() if name in rules.EDITABLE_FIELDS)
        number = _unless_masked(attrs.get("id_number"))
        if number is not None:
            values["id_number"] = number
        elif member is not None:
            values["id_number"] = member.id_number  # kept: the record must still agree with it
        phone = _unless_masked(attrs.get("phone"))
        if phone is not None:
            values["phone"] = phone
        errors = rules.record_errors(values, today=timezone.localdate())
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    @cached_property
    def _readable(self) -> list[tuple[str, str, serializers.Field]]:
        """(key, attribute, field) of every field read back: the fields are plain attributes."""
        return [(name, field.source, field) for name, field in self.fields.items() if not field.write_only]

    def to_representation(self, instance):
        # DRF's generic loop (get_attribute, SkipField, …) costs ~0.2 ms a row, 10 ms of a page of
        # 50; each field's own to_representation keeps the same output (test_api checks it).
        data = {name: None if (value := getattr(instance, source)) is None else field.to_representation(value)
                for name, source, field in self._readable}
        user = self.context["request"].user
        full = selectors.may_reveal(actor=user, member=instance)  # their own, or with member.view_sensitive
        data["id_number"] = instance.id_number_masked
        data["phone"] = instance.phone_masked
        data["id_number_full"] = full  # whether GET …/{id}/?reveal=id_number may show it in full
        return data


@extend_schema_serializer(component_name="Member")
class MemberAnswerSerializer(MemberSerializer):
    """What a member's record reads as (for the schema; `MemberSerializer.to_representation` writes
    it): the numbers masked, and whether the caller may reveal the ID number in full."""

    id_number = serializers.CharField(label=_("公民身份号码"), read_only=True,
                                      help_text="masked (4301**********1234); in full with ?reveal=id_number")
    phone = serializers.CharField(label=_("联系电话"), read_only=True,
                                  help_text="masked (138****8000); in full with ?reveal=phone")
    id_number_full = serializers.BooleanField(read_only=True, help_text="whether ?reveal=id_number may show it in full")

    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "id_number_full"]


# The list's filters (`MemberViewSet.get_queryset`): lenient on purpose, an unknown value finds nobody.
_MEMBER_FILTERS = [
    OpenApiParameter("q", str, description="name, pinyin, initials or an exact 18-digit ID number (first 50 characters)"),
    OpenApiParameter("organization", int, description="an organization of the caller's scope: its whole subtree"),
    OpenApiParameter("member_type", str, enum=MemberType.values),
    OpenApiParameter("standing", str, enum=Standing.values),
]


class MemberSearchSerializer(serializers.Serializer):
    q = serializers.CharField(label=_("姓名 / 拼音 / 首字母 / 身份证号"), max_length=50, required=False, allow_blank=True)
    organization = serializers.IntegerField(label=_("所在党组织"), required=False, allow_null=True)
    member_type = serializers.ChoiceField(label=_("党员类型"), choices=MemberType.choices, required=False,
                                          allow_blank=True)
    standing = serializers.ChoiceField(label=_("党籍状态"), choices=Standing.choices, required=False, allow_blank=True)


@extend_schema_view(
    list=extend_schema(parameters=_MEMBER_FILTERS, responses=MemberAnswerSerializer(many=True)),
    retrieve=extend_schema(responses=MemberAnswerSerializer, parameters=[OpenApiParameter(
        "reveal", str, enum=["id_number", "phone"],
        description="show this number in full (a role that may; the reading is audited)")]),
    create=extend_schema(responses={201: MemberAnswerSerializer}),
    update=extend_schema(responses=MemberAnswerSerializer),
    partial_update=extend_schema(responses=MemberAnswerSerializer),
)
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

    def _search(self, *, q: str, organization: Any, member_type: str, standing: str) -> QuerySet[Member]:
        """The list's filters: `organization` takes its subtree; one out of scope finds nobody."""
        org = None
        if organization not in (None, ""):
            try:
                org_id = int(organization)
            except (TypeError, ValueError):
                return Member.objects.none()
            org = org_selectors.organizations_in_scope(self.request.user).filter(pk=org_id).first()
            if org is None:
                return Member.objects.none()
        return selectors.search_members(actor=self.request.user, query=q, organization=org,
                                        member_type=member_type, standing=standing)

    def get_queryset(self):
        params = self.request.query_params
        return self._search(q=params.get("q", "")[:50], organization=params.get("organization"),
                            member_type=params.get("member_type", "")[:20], standing=params.get("standing", "")[:20])

    def get_object(self):
        # The caller's scope, without the list's filters (`q`, `organization`, …): those narrow a
        # list, they do not hide one member (nor make its reading an audited access.denied).
        return access.get_in_scope_or_404(self.request, selectors.visible_members(actor=self.request.user),
                                          pk=self.kwargs["pk"])

    @extend_schema(operation_id="members_search", request=MemberSearchSerializer, responses=MemberAnswerSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="search", capability_by_method={})
    def search(self, request):
        """POST {"q", "organization", "member_type", "standing"}: the list's search with the terms in
        the body, so that an ID number never goes into a URL (browser history, access logs).
        Answers the list's page; `next` and `previous` are to be posted the same body."""
        body = MemberSearchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        terms = body.validated_data
        qs = self._search(q=terms.get("q", ""), organization=terms.get("organization"),
                          member_type=terms.get("member_type", ""), standing=terms.get("standing", ""))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        member = self.get_object()
        data = self.get_serializer(member).data
        reveal = request.query_params.get("reveal")
        if reveal:
            if reveal not in services.REVEAL:
                raise DjangoValidationError({"field": [_("只能查看公民身份号码或联系电话")]})
            data[reveal] = services.REVEAL[reveal](actor=request.user, member=member, origin=origin_of(request))
            return Response(data, headers={"Cache-Control": "no-store"})  # a full number is never cached
        return Response(data)

    def _fields(self, validated: dict) -> dict:
        return {k: v for k, v in validated.items() if k in rules.EDITABLE_FIELDS}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        org = access.get_in_scope_or_400(request, org_selectors.organizations_in_scope(request.user, Cap.MEMBER_EDIT),
                                         field="organization", message=_("党组织不存在或不在您的权限范围内"),
                                         pk=data["organization_id"])
        member = services.create_member(actor=request.user, organization=org, fields=self._fields(data),
                                        id_number=data["id_number"], phone=data.get("phone", ""),
                                        origin=origin_of(request))
        return Response(self.get_serializer(member).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        member = access.get_in_scope_or_404(request, selectors.members_in_scope(request.user, Cap.MEMBER_EDIT),
                                            pk=self.kwargs["pk"])
        serializer = self.get_serializer(member, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "organization_id" in data and data["organization_id"] != member.organization_id:
            raise serializers.ValidationError({"organization": [_("转移组织关系请使用组织关系转接功能")]})
        member = services.update_member(actor=request.user, member=member, fields=self._fields(data),
                                        id_number=_unless_masked(data.get("id_number")),
                                        phone=_unless_masked(data.get("phone")), origin=origin_of(request))
        return Response(self.get_serializer(member).data)


class StatItemSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="stable key: a choice value, a band (e.g. 31_40) or the stored text")
    label = serializers.CharField(help_text="label in the caller's language")
    count = serializers.IntegerField()


class StatOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class StructureStatsSerializer(serializers.Serializer):
    """Structure statistics (党员结构统计) of an organization's whole subtree (for the schema)."""

    organization = StatOrganizationSerializer()
    year = serializers.IntegerField(help_text="statistical year: ages and years since joining at its end")
    age_basis = serializers.CharField(help_text='"year_end": age = year − birth year (党内统计)')
    total = serializers.IntegerField(help_text="members in good standing (党籍正常), counted by every list but standing")
    all_standings = serializers.IntegerField(help_text="members whatever their standing")
    organizations = serializers.IntegerField(help_text="organizations not dissolved, this one included")
    member_type = StatItemSerializer(many=True)
    standing = StatItemSerializer(many=True)
    gender = StatItemSerializer(many=True)
    ethnicity = StatItemSerializer(many=True, help_text="汉族 and 少数民族")
    ethnicity_each = StatItemSerializer(many=True, help_text="each ethnicity, largest first")
    age_band = StatItemSerializer(many=True)
    education = StatItemSerializer(many=True)
    occupation = StatItemSerializer(many=True)
    years_since_joining = StatItemSerializer(many=True)
    flags = StatItemSerializer(many=True, help_text="outflow, inflow, lost contact, in hardship")
    org_type = StatItemSerializer(many=True)


class OrganizationStatsView(APIView):
    """/api/v1/organizations/{id}/stats/: structure statistics (党员结构统计) of the organization's whole
    subtree, from the roll-ups. Kept by members (the tree knows no members); an organization outside
    the caller's member scope is a 404."""

    permission_classes = [access.CapabilityPermission]
    required_capability = Cap.MEMBER_VIEW

    @extend_schema(operation_id="organizations_stats", responses=StructureStatsSerializer, tags=["organizations"])
    def get(self, request, pk: int):
        scope = org_selectors.organizations_in_scope(request.user, Cap.MEMBER_VIEW)
        org = access.get_in_scope_or_404(request, scope, pk=pk)
        return Response(selectors.structure_stats(actor=request.user, organization=org))
