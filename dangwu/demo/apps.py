from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo province (演示数据): a top-floor app that may import any app and that no app imports."""

    name = "dangwu.demo"
    label = "demo"
    verbose_name = _("演示数据")

    def ready(self):
        from dangwu.core.registries import DemoSeeder, demo_seeders

        from .accounts import create_accounts, grant_roles
        from .seeders.development import seed_development
        from .seeders.dues import seed_dues
        from .seeders.elections import seed_elections
        from .seeders.evaluation import seed_evaluation
        from .seeders.members import seed_members
        from .seeders.notices import seed_notices
        from .seeders.orglife import seed_orglife
        from .seeders.orgs import seed_organizations

        for seeder in (
            DemoSeeder("organizations", seed_organizations, 10, "the tree: 省委, 市委, 县委, townships, branches"),
            DemoSeeder("accounts", create_accounts, 20, "the README's demo logins"),
            DemoSeeder("members", seed_members, 30, "members, standing changes, committee posts, roll-ups"),
            DemoSeeder("development", seed_development, 40, "the recruitment pipeline near the demo branch"),
            DemoSeeder("dues", seed_dues, 50, "declarations, assessed months, payments and arrears"),
            DemoSeeder("orglife", seed_orglife, 60, "this year's 三会一课 of every branch; the demo branch's attendance; 谈心谈话"),
            DemoSeeder("elections", seed_elections, 65, "the demo branch's committee election, published"),
            DemoSeeder("evaluation", seed_evaluation, 65,
                       "the demo branch's democratic evaluation: last year's closed, this year's at the rating"),
            DemoSeeder("account-roles", grant_roles, 90, "each demo account's role"),
            DemoSeeder("notices", seed_notices, 95, "a welcome notice in every demo account's inbox"),
        ):
            demo_seeders.register(seeder)

        from . import audit_fields

        audit_fields.register()
