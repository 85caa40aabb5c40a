from dangwu.core import access
from dangwu.core.roles import Cap


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    caps = access.capabilities(user)
    return {
        "nav": {
            "orgs": Cap.ORG_VIEW in caps,
            "members": Cap.MEMBER_VIEW in caps,
            "dues": Cap.DUES_VIEW in caps or access.own_member(user) is not None,
            # 发展党员: the pipeline board for cadres; "apply" for a person who is not a member yet.
            "development": "board" if Cap.DEVELOPMENT_VIEW in caps else
            ("apply" if access.own_member(user) is None else ""),
            # 思想汇报: the writer's page, for a person in the pipeline or a contact person.
            "reports": _writes_or_reads_reports(user),
            "audit": Cap.AUDIT_VIEW in caps,
            "roles": Cap.ROLE_ASSIGN in caps,
            "own_member": access.own_member(user),
        },
        "user_roles": sorted(access.roles_of(user)),
    }


def _writes_or_reads_reports(user) -> bool:
    from django.db.models import Q

    from dangwu.development.models import Candidate, Sponsor

    contact = Sponsor.objects.filter(kind=Sponsor.Kind.CONTACT, member__user=user).values("candidate_id")
    return Candidate.objects.filter(Q(user=user) | Q(pk__in=contact), status=Candidate.Status.ACTIVE).exists()
