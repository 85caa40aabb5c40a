"""REST API of the recruitment pipeline (/api/v1/development/…): scoped reads, writes through services.

- `GET  candidates/` — the people of the caller's scope (and the caller's own applications);
  filters `organization` (subtree), `stage`, `status`.
- `POST candidates/` — apply online (any logged-in person).
- `GET  candidates/{id}/` — one person with steps, next step, earliest date and deadlines.
- `POST candidates/{id}/steps/` — record a step (votes: the numbers under `vote`).
- `POST candidates/{id}/sponsors/`, `…/extend/`, `…/cancel/` — outcomes.
- `GET  candidates/stage-counts/?organization=` — active people per stage of a subtree.
Refusals answer 400 keyed by field, in the caller's language.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangwu.core import access
from dangwu.core.audit import origin_of
from dangwu.core.roles import Cap
from dangwu.members import selectors as member_selectors
from dangwu.orgs import selectors as org_selectors

from . import rules, selectors, services
from .models import Candidate, Sponsor, Step

_MAX = 100000


class StepSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    vote = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()

    class Meta:
        model = Step
        fields = ["code", "label", "done_on", "body", "responsible", "notes", "training_days", "training_hours",
                  "vote", "documents"]

    def get_label(self, step) -> str:
        return str(step.info.label)

    def get_vote(self, step) -> dict | None:
        vote = getattr(step, "vote", None)
        if vote is None:
            return None
        return {name: getattr(vote, name) for name in services.VOTE_FIELDS}

    def get_documents(self, step) -> list[dict]:
        return [{"id": d.pk, "title": d.title, "file_name": d.file_name} for d in step.documents.all()]


class CandidateSerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="organization_id", read_only=True)
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)

    class Meta:
        model = Candidate
        fields = ["id", "name", "organization", "gender", "ethnicity", "birth_date", "id_number", "phone",
                  "work_unit", "status", "stage", "last_step", "last_step_on", "due_on", "member",
                  "extension_months", "ended_on", "applied_online"]
        read_only_fields = fields


class CandidateDetailSerializer(CandidateSerializer):
    steps = serializers.SerializerMethodField()
    next_step = serializers.SerializerMethodField()
    sponsors = serializers.SerializerMethodField()

    class Meta(CandidateSerializer.Meta):
        fields = [*CandidateSerializer.Meta.fields, "steps", "next_step", "sponsors"]
        read_only_fields = fields

    def get_steps(self, candidate) -> list[dict]:
        return StepSerializer(selectors.steps_of(candidate=candidate), many=True).data

    def get_next_step(self, candidate) -> dict | None:
        progress = selectors.progress_of(candidate)
        if not progress.next_step:
            return None
        return {"code": progress.next_step, "label": progress.next_label, "earliest": progress.earliest,
                "latest": progress.latest, "superior": progress.next_superior,
                "deadlines": [{"step": d.step, "due": d.due, "overdue": d.overdue, "message": d.message}
                              for d in progress.deadlines]}

    def get_sponsors(self, candidate) -> list[dict]:
        return [{"kind": s.kind, "member": s.member_id, "name": s.member.name, "assigned_on": s.assigned_on}
                for s in selectors.sponsors_of(candidate=candidate)]


class ApplySerializer(serializers.Serializer):
    organization = serializers.IntegerField(label=_("申请加入的党支部"))
    name = serializers.CharField(label=_("姓名"), max_length=50)
    id_number = serializers.CharField(label=_("公民身份号码"), max_length=18)
    phone = serializers.CharField(label=_("联系电话"), max_length=20, required=False, allow_blank=True)
    ethnicity = serializers.CharField(label=_("民族"), max_length=20, required=False, allow_blank=True)
    work_unit = serializers.CharField(label=_("工作单位"), max_length=120, required=False, allow_blank=True)


class VoteSerializer(serializers.Serializer):
    should_attend = serializers.IntegerField(min_value=0, max_value=_MAX)
    present = serializers.IntegerField(min_value=0, max_value=_MAX)
    in_favour = serializers.IntegerField(min_value=0, max_value=_MAX)
    against = serializers.IntegerField(min_value=0, max_value=_MAX, default=0)
    abstained = serializers.IntegerField(min_value=0, max_value=_MAX, default=0)
    written_in_favour = serializers.IntegerField(min_value=0, max_value=_MAX, default=0)
    written_against = serializers.IntegerField(min_value=0, max_value=_MAX, default=0)


class RecordStepSerializer(serializers.Serializer):
    code = serializers.ChoiceField(label=_("步骤"), choices=list(rules.STEPS))
    done_on = serializers.DateField(label=_("日期"))
    body = serializers.CharField(max_length=120, required=False, allow_blank=True)
    responsible = serializers.CharField(max_length=60, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    training_days = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, required=False,
                                             allow_null=True)
    training_hours = serializers.DecimalField(max_digits=6, decimal_places=1, min_value=0, required=False,
                                              allow_null=True)
    vote = VoteSerializer(required=False, allow_null=True)


class SponsorSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Sponsor.Kind.choices)
    member = serializers.IntegerField(min_value=1)
    assigned_on = serializers.DateField()


class ExtendSerializer(serializers.Serializer):
    months = serializers.IntegerField(min_value=0, max_value=1000)
    decided_on = serializers.DateField()
    reason = serializers.CharField(max_length=2000)


class CancelSerializer(serializers.Serializer):
    on = serializers.DateField()
    reason = serializers.CharField(max_length=2000)


class StageCountsSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("organization", int, description="an organization of the caller's scope: its whole subtree"),
    OpenApiParameter("stage", str, enum=[code for code, _label in rules.STAGES]),
    OpenApiParameter("status", str, enum=Candidate.Status.values)]))
class CandidateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People in the recruitment pipeline (发展党员) of the caller's scope."""

    serializer_class = CandidateSerializer
    permission_classes = [access.CapabilityPermission]
    required_capability = None  # an applicant reads their own record; POST = apply online
    capability_by_method: dict[str, str] = {}  # the actions name theirs
    lookup_value_regex = r"[0-9]+"

    def get_serializer_class(self):
        return CandidateDetailSerializer if self.action == "retrieve" else CandidateSerializer

    def get_queryset(self) -> QuerySet[Candidate]:
        qs = selectors.visible_candidates(actor=self.request.user).select_related("organization")
        params = self.request.query_params
        if self.action == "list":
            org_param = params.get("organization")
            if org_param not in (None, ""):
                org = self._org(org_param, Cap.DEVELOPMENT_VIEW)
                if org is None:
                    return Candidate.objects.none()
                qs = qs.filter(organization__path__startswith=org.path)
            for name in ("stage", "status"):
                if params.get(name):
                    qs = qs.filter(**{name: params[name][:20]})
        return qs.order_by("name_pinyin", "id")

    def _org(self, raw, capability: str) -> Any:
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            return None
        return org_selectors.organizations_in_scope(self.request.user, capability).filter(pk=pk).first()

    def get_object(self) -> Candidate:
        return access.get_in_scope_or_404(self.request, selectors.visible_candidates(actor=self.request.user)
                                          .select_related("organization"), pk=self.kwargs["pk"])

    def _acting_on(self, capability: str) -> Candidate:
        return access.get_in_scope_or_404(
            self.request, selectors.candidates_for(actor=self.request.user, capability=capability)
            .select_related("organization"), pk=self.kwargs["pk"])

    @extend_schema(request=ApplySerializer, responses={201: CandidateDetailSerializer})
    def create(self, request, *args, **kwargs):
        """Apply online to a branch (any logged-in person)."""
        body = ApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        org = org_selectors.organization_by_pk(pk=data.pop("organization"))
        candidate = services.apply_online(actor=request.user, organization=org, origin=origin_of(request), **data)
        return Response(CandidateDetailSerializer(candidate, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=RecordStepSerializer, responses={201: StepSerializer})
    @action(detail=True, methods=["post"], url_path="steps")
    def steps(self, request, pk=None):
        body = RecordStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        capability = rules.capability_for(data["code"])
        if not access.has_capability(request.user, capability):
            raise PermissionDenied
        candidate = self._acting_on(capability)
        step = services.record_step(actor=request.user, candidate=candidate, origin=origin_of(request), **data)
        return Response(StepSerializer(step).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SponsorSerializer, responses={201: CandidateDetailSerializer})
    @action(detail=True, methods=["post"], url_path="sponsors", capability_by_method={"POST": Cap.DEVELOPMENT_MANAGE})
    def sponsors(self, request, pk=None):
        candidate = self._acting_on(Cap.DEVELOPMENT_MANAGE)
        body = SponsorSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        member = access.get_in_scope_or_400(request, member_selectors.members_in_scope(request.user, Cap.MEMBER_VIEW),
                                            field="member", message=_("党员不存在或不在您的权限范围内"), pk=data["member"])
        services.assign_sponsor(actor=request.user, candidate=candidate, kind=data["kind"], member=member,
                                assigned_on=data["assigned_on"], origin=origin_of(request))
        return Response(CandidateDetailSerializer(candidate, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=ExtendSerializer, responses=CandidateDetailSerializer)
    @action(detail=True, methods=["post"], url_path="extend", capability_by_method={"POST": Cap.DEVELOPMENT_APPROVE})
    def extend(self, request, pk=None):
        candidate = self._acting_on(Cap.DEVELOPMENT_APPROVE)
        body = ExtendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        candidate = services.extend_probation(actor=request.user, candidate=candidate, origin=origin_of(request),
                                              **body.validated_data)
        return Response(CandidateDetailSerializer(candidate, context={"request": request}).data)

    @extend_schema(request=CancelSerializer, responses=CandidateDetailSerializer)
    @action(detail=True, methods=["post"], url_path="cancel", capability_by_method={"POST": Cap.DEVELOPMENT_MANAGE})
    def cancel(self, request, pk=None):
        history = selectors.history_of(self.get_object())
        capability = Cap.DEVELOPMENT_APPROVE if rules.is_probationary(history) else Cap.DEVELOPMENT_MANAGE
        candidate = self._acting_on(capability)
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        candidate = services.cancel(actor=request.user, candidate=candidate, origin=origin_of(request), **body.validated_data)
        return Response(CandidateDetailSerializer(candidate, context={"request": request}).data)

    @extend_schema(responses=StageCountsSerializer, parameters=[OpenApiParameter(
        "organization", int, required=True, description="an organization of the caller's scope")])
    @action(detail=False, methods=["get"], url_path="stage-counts",
            capability_by_method={"GET": Cap.DEVELOPMENT_VIEW})
    def stage_counts(self, request):
        """Active people per stage (and how many are overdue) in an organization's subtree."""
        org = self._org(request.query_params.get("organization"), Cap.DEVELOPMENT_VIEW)
        if org is None:
            raise serializers.ValidationError({"organization": [_("党组织不存在或不在您的权限范围内")]})
        return Response({"organization": org.pk,
                         "counts": selectors.stage_counts(actor=request.user, organization=org)})

