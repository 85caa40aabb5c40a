"""REST API of the organization tree (/api/v1/organizations/): scoped reads, writes through services."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from dangwu.core import access
from dangwu.core.audit import origin_of
from dangwu.core.roles import Cap

from . import selectors, services
from .models import Organization


@contextmanager
def _api_field_names():
    """Service errors name model fields; the API calls `org_type` "type"."""
    try:
        yield
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise serializers.ValidationError(
            {("type" if field == "org_type" else field): messages for field, messages in exc.message_dict.items()}
        ) from None


class OrganizationSerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(source="org_type", choices=Organization._meta.get_field("org_type").choices)
    parent = serializers.IntegerField(label=_("上级党组织"), required=False, allow_null=True)

    class Meta:
        model = Organization
        fields = ["id", "code", "name", "type", "parent", "unit_name", "unit_category", "region_code",
                  "founded_on", "dissolved_on", "contact_phone", "address", "depth"]
        read_only_fields = ["id", "depth"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if hasattr(instance, "parent_id_value"):
            data["parent"] = instance.parent_id_value
        else:
            parent = Organization.objects.get_parent(instance) if instance.depth > 1 else None
            data["parent"] = parent.pk if parent else None
        return data


class OrganizationCreateSerializer(OrganizationSerializer):
    """What POST asks for (for the schema): a parent, never null (a second root is refused); on PUT
    and PATCH `parent` may be sent back as it was read, null for the root."""

    parent = serializers.IntegerField(label=_("上级党组织"), help_text="an organization the caller may edit")


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("q", str, description="a part of the name, or of the code"),
        OpenApiParameter("parent", int, description="the children of this organization (one of the caller's scope)")]),
    create=extend_schema(request=OrganizationCreateSerializer, responses={201: OrganizationSerializer}),
)
class OrganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                          mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Organizations of the caller's scope. `?q=` searches name and code; `?parent=ID` lists children."""

    serializer_class = OrganizationSerializer
    permission_classes = [access.CapabilityPermission]
    required_capability = None  # scoped queryset: a plain member reaches their own organization
    capability_by_method = {"POST": Cap.ORG_EDIT, "PUT": Cap.ORG_EDIT, "PATCH": Cap.ORG_EDIT}
    lookup_value_regex = r"[0-9]+"  # a non-numeric id is a 404, not a ValueError in the lookup

    def get_queryset(self):
        scope = selectors.with_parent_id(selectors.visible_organizations(actor=self.request.user)).order_by("path")
        qs = scope
        params = self.request.query_params
        if params.get("q"):
            qs = qs.filter(pk__in=selectors.search_organizations(actor=self.request.user, query=params["q"],
                                                                  limit=1000).values("pk"))
        if params.get("parent"):
            try:
                parent_id = int(params["parent"])
            except ValueError:
                return qs.none()
            parent = scope.filter(pk=parent_id).first()  # the parent need not match `q` itself
            qs = qs.filter(path__startswith=parent.path, depth=parent.depth + 1) if parent else qs.none()
        return qs

    def get_object(self):
        # The caller's scope, without the list's filters (`q`, `parent`): those narrow a list, they
        # do not hide one organization (nor make its reading an audited access.denied).
        scope = selectors.with_parent_id(selectors.visible_organizations(actor=self.request.user))
        return access.get_in_scope_or_404(self.request, scope, pk=self.kwargs["pk"])

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        parent_id = data.pop("parent", None)
        if parent_id is None:
            raise serializers.ValidationError({"parent": [_("请指定上级党组织")]})
        parent = access.get_in_scope_or_400(request, selectors.organizations_in_scope(request.user, Cap.ORG_EDIT),
                                            field="parent", message=_("上级党组织不存在或不在您的权限范围内"),
                                            pk=parent_id)
        with _api_field_names():
            org = services.create_organization(actor=request.user, parent=parent, fields=data, origin=origin_of(request))
        return Response(self.get_serializer(org).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        org = self.get_object()
        access.require(request.user, Cap.ORG_EDIT, org)  # no answer about the body before the scope check
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(org, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        # Code and parent may be sent back as they are (a PUT of what a GET answered), not changed here.
        errors = {}
        if "code" in data and data.pop("code") != org.code:
            errors["code"] = [_("党组织代码不能修改")]
        if "parent" in data and data.pop("parent") != org.parent_id_value:
            errors["parent"] = [_("调整上级组织请使用组织调整功能")]
        if errors:
            raise serializers.ValidationError(errors)
        with _api_field_names():
            org = services.update_organization(actor=request.user, organization=org, fields=data, origin=origin_of(request))
        return Response(self.get_serializer(org).data)
