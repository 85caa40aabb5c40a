"""REST API of party dues (/api/v1/dues/…): scoped reads; writes through the services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangwu.core import access
from dangwu.core.audit import origin_of
from dangwu.core.roles import Cap
from dangwu.members import selectors as member_selectors
from dangwu.orgs import selectors as org_selectors

from . import rules, selectors, services
from .models import Assessment, AssessmentRun, Category, Declaration, Payment


def _org_in_scope(request, pk, capability: str):
    return access.get_in_scope_or_400(request, org_selectors.organizations_in_scope(request.user, capability),
                                      field="organization", message=_("党组织不存在或不在您的权限范围内"), pk=pk)


def _member_in_scope(request, pk, capability: str) -> Any:  # a members.Member
    return access.get_in_scope_or_400(
        request, member_selectors.members_in_scope(request.user, capability).select_related("organization"),
        field="member", message=_("党员不存在或不在您的权限范围内"), pk=pk)


@extend_schema_field({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$", "example": "2026-12",
                      "description": "a month: answered as YYYY-MM; YYYY-MM or YYYY-MM-DD accepted"})
class MonthField(serializers.DateField):
    """A month, written YYYY-MM (the schema said `format: date`, and "2026-12" is not one)."""


class AssessmentSerializer(serializers.ModelSerializer):
    month = MonthField(format="%Y-%m")
    paid = serializers.BooleanField(read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "member", "organization", "month", "amount_due", "paid", "payment"]


class AssessmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Monthly dues of the caller's scope. Filters: `organization` (subtree), `month` (YYYY-MM),
    `member`, `unpaid=1`."""

    serializer_class = AssessmentSerializer
    permission_classes = [access.CapabilityPermission]
    required_capability = None  # a member reads their own

    @extend_schema(parameters=[
        OpenApiParameter("organization", int), OpenApiParameter("month", str, description="YYYY-MM"),
        OpenApiParameter("member", int), OpenApiParameter("unpaid", bool)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        qs = selectors.visible_assessments(actor=self.request.user).order_by("month", "member_id", "id")
        if params.get("organization"):
            org = org_selectors.organizations_in_scope(self.request.user, Cap.DUES_VIEW).filter(
                pk=_int(params["organization"])).first()
            if org is None:
                return qs.none()
            qs = qs.filter(organization__path__startswith=org.path)
        if params.get("month"):
            try:
                qs = qs.filter(month=rules.parse_month(params["month"]))
            except ValueError:
                raise serializers.ValidationError({"month": [_("月份格式应为YYYY-MM")]}) from None
        if params.get("member"):
            qs = qs.filter(member_id=_int(params["member"]))
        if params.get("unpaid") in ("1", "true"):
            qs = qs.filter(payment__isnull=True, amount_due__gt=0)
        return qs


def _int(value) -> int:
    """A filter's number, or -1 (finds nothing) for what is not one. Beyond a 64-bit integer too: a
    `member_id` filter does not get Django's out-of-range guard, and SQLite or PostgreSQL answered
    an OverflowError, a 500 (found by scripts/api_fuzz.py)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if -(2**63) <= number < 2**63 else -1


class AssessmentRunSerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="organization_id", label=_("党组织"))
    month = MonthField(format="%Y-%m", input_formats=["%Y-%m", "%Y-%m-%d"], label=_("月份"))

    class Meta:
        model = AssessmentRun
        fields = ["id", "organization", "month", "status", "total_organizations", "done_organizations",
                  "created_count", "percent", "message", "created_at", "finished_at"]
        read_only_fields = ["id", "status", "total_organizations", "done_organizations", "created_count",
                            "percent", "message", "created_at", "finished_at"]


class AssessmentRunViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin,
                           viewsets.GenericViewSet):
    """POST {"organization", "month": "YYYY-MM"} starts the monthly assessment of the subtree in
    the background; GET one run for its progress. Running it twice creates nothing new."""

    serializer_class = AssessmentRunSerializer
    permission_classes = [access.CapabilityPermission]
    required_capability = Cap.DUES_VIEW
    capability_by_method = {"POST": Cap.DUES_COLLECT}
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return selectors.visible_runs(actor=self.request.user).order_by("-created_at", "-id")

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        org = _org_in_scope(request, body.validated_data["organization_id"], Cap.DUES_COLLECT)
        run = services.start_assessment(actor=request.user, organization=org, month=body.validated_data["month"],
                                        origin=origin_of(request))
        run.refresh_from_db()
        return Response(self.get_serializer(run).data, status=status.HTTP_201_CREATED)


class PaymentSerializer(serializers.ModelSerializer):
    months = serializers.ListField(child=serializers.DateField(input_formats=["%Y-%m", "%Y-%m-%d"]),
                                   write_only=True, required=False, label=_("交纳月份"))
    paid_months = serializers.SerializerMethodField()
    member = serializers.IntegerField(source="member_id", label=_("党员"))
    collected_at = serializers.IntegerField(source="collected_at_id", required=False, allow_null=True,
                                            label=_("收缴党组织"))
    reversed = serializers.BooleanField(source="is_reversed", read_only=True, label=_("已冲正"))

    class Meta:
        model = Payment
        fields = ["id", "member", "organization", "collected_at", "months", "paid_months", "method", "reference",
                  "paid_on", "dues_amount", "voluntary_amount", "total_amount", "forward_to_centre",
                  "receipt_number", "note", "reversed", "reversed_at", "reversed_by", "reversal_reason"]
        read_only_fields = ["id", "organization", "dues_amount", "total_amount", "forward_to_centre",
                            "receipt_number", "reversed_at", "reversed_by", "reversal_reason"]
        extra_kwargs = {"paid_on": {"required": False}, "voluntary_amount": {"required": False}}


    def get_paid_months(self, obj) -> list[str]:
        """The months paid; for a reversed payment (冲正), the months it had paid."""
        return [m.strftime("%Y-%m") for m in obj.covered_months()]


class ReversalSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, label=_("冲正原因"))


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("member", int)]))
class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):
    """Payments of the caller's scope (a member sees their own). POST records one: months
    (YYYY-MM, back payments ≤ 6 months, in advance up to December), method, reference, voluntary extra."""

    serializer_class = PaymentSerializer
    permission_classes = [access.CapabilityPermission]
    required_capability = None
    capability_by_method = {"POST": Cap.DUES_COLLECT}
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        qs = selectors.visible_payments(actor=self.request.user).order_by("-paid_on", "-id")
        member = self.request.query_params.get("member")
        return qs.filter(member_id=_int(member)) if member else qs

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        host = None
        if data.get("collected_at_id"):
            host = _org_in_scope(request, data["collected_at_id"], Cap.DUES_COLLECT)
        scoped = member_selectors.members_in_scope(request.user, Cap.DUES_COLLECT).select_related("organization")
        member = scoped.filter(pk=data["member_id"]).first()
        if member is None and host is not None:
            member = selectors.outflow_member(pk=data["member_id"])
        if member is None:
            access.refuse_named(request, scoped.model, field="member", message=_("党员不存在或不在您的权限范围内"),
                                pk=data["member_id"])
        payment = services.record_payment(
            actor=request.user, member=member, months=data.get("months", []), method=data["method"],
            reference=data.get("reference", ""), paid_on=data.get("paid_on"),
            voluntary_amount=data.get("voluntary_amount"), collected_at=host, note=data.get("note", ""),
            origin=origin_of(request))
        return Response(self.get_serializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReversalSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"], url_path="reverse", capability_by_method={"POST": Cap.DUES_COLLECT})
    def reverse(self, request, pk=None):
        """POST {"reason"}: reverse (冲正) a payment recorded in error — `dues.collect` at the
        payment's organization; its months become unpaid again; a payment is reversed once."""
        payment = self.get_object()
        body = ReversalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payment = services.reverse_payment(actor=request.user, payment=payment,
                                           reason=body.validated_data.get("reason", ""),
                                           origin=origin_of(request))
        return Response(self.get_serializer(payment).data)


class DeclarationSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="member_id", label=_("党员"))
    category = serializers.ChoiceField(choices=Category.choices, label=_("党费类别"))
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=100,
                                   label=_("调整原因"))

    class Meta:
        model = Declaration
        fields = ["id", "member", "year", "category", "base", "farmer_amount", "monthly_amount", "reason"]
        read_only_fields = ["id", "monthly_amount"]
        extra_kwargs = {"base": {"required": False}, "farmer_amount": {"required": False}}


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("year", int), OpenApiParameter("member", int)]))
class DeclarationViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Yearly declarations (category, base, the monthly amount from the rule). POST declares or,
    with a `reason`, changes one."""

    serializer_class = DeclarationSerializer
    permission_classes = [access.CapabilityPermission]
    required_capability = None
    capability_by_method = {"POST": Cap.DUES_COLLECT}

    def get_queryset(self):
        qs = selectors.visible_declarations(actor=self.request.user).order_by("-year", "member_id", "id")
        params = self.request.query_params
        if params.get("year"):
            qs = qs.filter(year=_int(params["year"]))
        if params.get("member"):
            qs = qs.filter(member_id=_int(params["member"]))
        return qs

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        member = _member_in_scope(request, data["member_id"], Cap.DUES_COLLECT)
        declaration = services.declare_dues(
            actor=request.user, member=member, year=data["year"], category=data["category"],
            base=data.get("base"), farmer_amount=data.get("farmer_amount"), reason=data.get("reason", ""),
            origin=origin_of(request))
        return Response(self.get_serializer(declaration).data, status=status.HTTP_201_CREATED)


class ReportLineSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    direct = serializers.BooleanField()
    due = serializers.CharField()
    collected = serializers.CharField()
    outstanding = serializers.CharField()
    collection_rate = serializers.CharField(allow_null=True)
    assessed = serializers.IntegerField()
    paid = serializers.IntegerField()


class ReportSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    year = serializers.IntegerField()
    month = serializers.CharField(allow_null=True)
    total = ReportLineSerializer()
    lines = ReportLineSerializer(many=True)


class ReportViewSet(viewsets.ViewSet):
    """GET /api/v1/dues/reports/{organization}/?year=2026[&month=2026-03]: due, collected,
    outstanding and collection rate of the subtree, with one line per child organization."""

    permission_classes = [access.CapabilityPermission]
    required_capability = Cap.DUES_VIEW
    lookup_value_regex = r"[0-9]+"
    serializer_class = ReportSerializer

    @extend_schema(responses=ReportSerializer, parameters=[
        OpenApiParameter("year", int), OpenApiParameter("month", str, description="YYYY-MM")])
    def retrieve(self, request, pk=None):
        org = access.get_in_scope_or_404(request, org_selectors.organizations_in_scope(request.user, Cap.DUES_VIEW), pk=pk)
        params = request.query_params
        month = None
        if params.get("month"):
            try:
                month = rules.parse_month(params["month"])
            except ValueError:
                raise serializers.ValidationError({"month": [_("月份格式应为YYYY-MM")]}) from None
        year = month.year if month else _int(params.get("year")) if params.get("year") else None
        if year is None:
            from django.utils import timezone

            year = timezone.localdate().year
        if not 2000 <= year <= 2100:
            raise serializers.ValidationError({"year": [_("年度应在2000至2100之间")]})
        report = selectors.report(actor=request.user, organization=org, year=year, month=month)

        def line(o, t, direct=False):
            return {"organization": o.pk, "code": o.code, "name": o.name, "direct": direct, **t.as_dict()}

        return Response({"organization": org.pk, "year": year, "month": month.strftime("%Y-%m") if month else None,
                         "total": line(org, report.total),
                         "lines": [line(x.organization, x.totals, x.direct) for x in report.lines]})
