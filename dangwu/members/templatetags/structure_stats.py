"""`{% structure_stats stats "org-stats" label %}`: the structure-statistics card (charts and tables)."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _tables(stats: dict) -> list[tuple[tuple[str, str], list[dict]]]:
    titles = [
        ("member_type", _("党员类型")), ("gender", _("性别")), ("ethnicity", _("民族")),
        ("ethnicity_each", _("各民族")), ("age_band", _("年龄")), ("years_since_joining", _("党龄")),
        ("education", _("学历")), ("occupation", _("人员类别")), ("standing", _("党籍状态（全部党员）")),
        ("flags", _("需要关注")), ("org_type", _("党组织类别")),
    ]
    return [((key, title), stats[key]) for key, title in titles if stats.get(key)]


@register.inclusion_tag("members/_structure_stats.html")
def structure_stats(stats: dict, stats_id: str = "structure-stats", scope_label: str = "", summary: bool = True) -> dict:
    """The card; `summary` shows the headline numbers (off where the page shows them already)."""
    return {
        "stats": stats, "stats_id": stats_id, "stats_data_id": f"{stats_id}-data", "scope_label": scope_label,
        "stats_tables": _tables(stats), "summary": summary,
    }
