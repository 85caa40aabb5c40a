from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dangwu.core import selectors, services
from dangwu.core.roles import Role


class Command(BaseCommand):
    help = "Give a user a role at an organization (creates the account when --password is given)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("org_code")
        parser.add_argument("--password", help="create the account with this password if it does not exist")

    def handle(self, username, role, org_code, password=None, **options):
        org = selectors.organization_model()._default_manager.filter(code=org_code).first()
        if org is None:
            raise CommandError(f"no organization with code {org_code!r}")
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        try:
            if user is None:
                if not password:
                    raise CommandError(f"no user {username!r}; pass --password to create it")
                user = services.create_account(actor=None, username=username, password=password)
            services.grant_role(actor=None, user=user, role=role, organization=org)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"{username}: {role} at {org.name} ({org.code})"))
