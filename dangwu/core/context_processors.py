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
            "audit": Cap.AUDIT_VIEW in caps,
            "roles": Cap.ROLE_ASSIGN in caps,
            "own_member": access.own_member(user),
        },
        "user_roles": sorted(access.roles_of(user)),
    }
