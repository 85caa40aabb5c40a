from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from dangwu.core.access import CapabilityPermission
from dangwu.core.api import TokenLoginView
from dangwu.development.api import CandidateViewSet
from dangwu.dues.api import (
    AssessmentRunViewSet,
    AssessmentViewSet,
    DeclarationViewSet,
    PaymentViewSet,
    ReportViewSet,
)
from dangwu.members.api import MemberViewSet, OrganizationStatsView
from dangwu.members.transfers.api import TransferViewSet
from dangwu.orgs.api import OrganizationViewSet


class SchemaView(SpectacularAPIView):
    permission_classes = [CapabilityPermission]
    required_capability = None


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script at ?script= rather than inline, and a template whose
    <style> carries the nonce: the Content-Security-Policy holds here too (decision 0024)."""

    permission_classes = [CapabilityPermission]
    required_capability = None
    template_name = "core/swagger_ui.html"


router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("members", MemberViewSet, basename="member")
router.register("development/candidates", CandidateViewSet, basename="development-candidate")
router.register("dues/assessments", AssessmentViewSet, basename="dues-assessment")
router.register("dues/assessment-runs", AssessmentRunViewSet, basename="dues-assessment-run")
router.register("dues/payments", PaymentViewSet, basename="dues-payment")
router.register("dues/declarations", DeclarationViewSet, basename="dues-declaration")
router.register("dues/reports", ReportViewSet, basename="dues-report")
router.register("transfers", TransferViewSet, basename="transfer")

urlpatterns = [
    path("v1/auth/token/", TokenLoginView.as_view(), name="api-token"),
    path("v1/organizations/<int:pk>/stats/", OrganizationStatsView.as_view(), name="organization-stats"),
    path("v1/", include(router.urls)),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
]
