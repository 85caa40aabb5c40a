"""The organization tree of the plan, written in bulk (演示数据的组织树).

The tree's materialized paths are computed here from the plan, not by treebeard one node at a
time; simple-history keeps each organization's initial row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simple_history.utils import bulk_create_with_history

from dangwu.orgs.models import Organization

if TYPE_CHECKING:
    from ..context import DemoContext

BATCH = 1000
CHANGE_REASON = "演示数据初始化"


def seed_organizations(*, context: DemoContext) -> None:
    objs: list[Organization] = []
    for node, parent, index in context.plan.organizations():
        if parent is None:
            path, depth = Organization._get_path(None, 1, 1), 1
        else:
            depth = parent.obj.depth + 1
            path = Organization._get_path(parent.obj.path, depth, index)
        node.obj = Organization(
            path=path, depth=depth, numchild=len(node.children), code=node.code, name=node.name,
            org_type=node.org_type, unit_name=node.unit_name, unit_category=node.unit_category,
            region_code=node.region_code, founded_on=node.founded_on, contact_phone=node.contact_phone,
            address=node.address,
        )
        objs.append(node.obj)
    bulk_create_with_history(objs, Organization, batch_size=BATCH, default_change_reason=CHANGE_REASON)
    context.organizations = objs
    context.summary["organizations"] = len(objs)
