"""The audit log as its readers read it (`core.auditlog`, the page `core:audit_log`): every action
labelled in Chinese, summaries named and formatted, the filters, the raw record one click away."""

from __future__ import annotations

import enum
import gc
import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from dangwu import testing
from dangwu.core import audit, auditlog
from dangwu.core.models import AuditActionChoices, AuditEntry

CJK = re.compile(r"[\u4e00-\u9fff]")


def _app_audit_enums():
    """Every enum named like an audit action in the models of every app of the platform, found
    independently of `auditlog.action_enums` (which finds only the subclasses of the base)."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("dangwu."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.models")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, enum.Enum) and name.endswith("AuditAction"):
                found.append((config.name, value))
    return found


def test_every_audit_action_of_every_app_has_a_chinese_label():
    enums = _app_audit_enums()
    assert {app for app, _enum in enums} >= {"dangwu.core", "dangwu.orgs", "dangwu.members", "dangwu.dues",
                                              "dangwu.development", "dangwu.demo"}
    missing = []
    for app, action_enum in enums:
        assert issubclass(action_enum, AuditActionChoices), (
            f"{app}.models.{action_enum.__name__} must subclass core.models.AuditActionChoices, with a label each")
        assert action_enum in auditlog.action_enums()
        for member in action_enum:
            label = str(member.label)
            # Without a label, Django makes one of the name ("Member Create"): not Chinese.
            if not CJK.search(label):
                missing.append(f"{member.value} ({app})")
    assert not missing, f"audit actions without a Chinese label: {', '.join(missing)}"
    labels = auditlog.action_labels()
    assert labels["member.create"] == "建立党员档案" and labels["dues.payment"] == "登记党费缴纳"
    assert labels["account.login"] == "登录"


def test_the_check_fails_for_an_action_without_a_label():
    class LooseAuditAction(AuditActionChoices):
        LABELLED = "test.labelled", "有标签"
        BARE = "test.bare"

    assert str(LooseAuditAction.BARE.label) == "Bare" and not CJK.search(str(LooseAuditAction.BARE.label))
    assert LooseAuditAction in auditlog.action_enums()  # found, so the page would show "Bare"
    del LooseAuditAction
    gc.collect()  # out of the subclasses again, for the tests after this one
    assert all(found.__name__ == "AuditAction" for found in auditlog.action_enums())


def _record(action, *, actor=None, target=None, organization=None, summary=None, days_ago=0):
    with transaction.atomic():
        entry = audit.record(actor=actor, action=action, target=target, organization=organization, summary=summary)
    if days_ago:
        # The hash covers the time; these entries only test the page's date filter.
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return entry


def test_summaries_read_in_chinese(people, world):
    member = people["m_plain"]
    update = _record("member.update", actor=people["secretary"], target=member, organization=world.branch_a,
                     summary={"fields": ["member_type", "work_unit", "id_number"],
                              "changes": {"member_type": ["probationary", "full"], "work_unit": ["", "长沙银行"]}})
    payment = _record("dues.payment", actor=people["secretary"], organization=world.branch_a,
                      summary={"member": member.pk, "months": ["2026-01", "2026-02"], "dues": "1234.5",
                               "method": "cash", "forward_to_centre": False, "collected_at": world.branch_b.pk,
                               "dues_paid_until": ["2025-12", "2026-02"]})
    standing = _record("member.standing", actor=people["secretary"], target=member, organization=world.branch_a,
                       summary={"from": "normal", "to": "suspended", "effective_on": "2026-03-01", "reason": "失联"})
    shown = {e.entry.pk: e for e in auditlog.show([update, payment, standing])}

    lines = {line.label: line.value for line in shown[update.pk].lines}
    assert shown[update.pk].action == "修改党员档案" and shown[update.pk].actor == "李书记"
    assert shown[update.pk].organization == world.branch_a.name
    assert lines == {"修改的项目": "党员类型、工作单位、公民身份号码", "党员类型": "预备党员 → 正式党员",
                     "工作单位": "— → 长沙银行"}

    lines = {line.label: line.value for line in shown[payment.pk].lines}
    assert lines == {"党员": "张三", "月份": "2026年1月、2026年2月", "党费": "1,234.50 元", "缴纳方式": "现金",
                     "全额上缴中央": "否", "收缴党组织": world.branch_b.name, "党费交至": "2025年12月 → 2026年2月"}

    lines = {line.label: line.value for line in shown[standing.pk].lines}
    assert lines == {"原党籍状态": "正常", "新党籍状态": "停止党籍", "生效日期": "2026-03-01", "原因": "失联"}


def test_accounts_are_named_by_their_person(people, world):
    login = _record("account.login", actor=people["secretary"], target=people["secretary"],
                    summary={"username": "sec_a"})
    grant = _record("role.grant", actor=people["security"], target=None, organization=world.branch_a,
                    summary={"user": "sec_a", "role": "branch_secretary"})
    shown = {e.entry.pk: e for e in auditlog.show([login, grant])}
    assert shown[login.pk].target == "李书记"
    assert [(line.label, line.value) for line in shown[login.pk].lines] == [("用户名", "李书记（sec_a）")]
    assert [(line.label, line.value) for line in shown[grant.pk].lines] == [("账号", "李书记（sec_a）"),
                                                                           ("角色", "支部书记")]
    assert shown[grant.pk].actor == "未登记姓名的账号"  # sec_admin_prov has neither a record nor a full name


@pytest.fixture
def auditor_client(client, people):
    client.force_login(people["auditor"])
    return client


@pytest.fixture
def entries(people, world):
    """Entries of two people in two cities, on three days."""
    return {
        "a_today": _record("member.update", actor=people["secretary"], target=people["m_plain"],
                           organization=world.branch_a, summary={"fields": ["work_unit"]}),
        "a_old": _record("member.view_id_number", actor=people["secretary"], target=people["m_plain"],
                         organization=world.branch_a, summary={"field": "id_number"}, days_ago=10),
        "b_today": _record("member.update", actor=people["city_b"], target=people["m_b"],
                           organization=world.branch_b, summary={"fields": ["work_unit"]}),
        "nowhere": _record("account.login", actor=people["plain"], summary={"username": "member_a"}, days_ago=3),
    }


def _shown(response) -> set[int]:
    assert response.status_code == 200
    html = response.content.decode()
    return {int(n) for n in re.findall(r"原始记录（第 (\d+) 条", html)}


def test_the_page_names_actions_people_and_organizations(auditor_client, entries, world):
    html = auditor_client.get("/audit/").content.decode()
    assert "修改党员档案" in html and "查看完整公民身份号码" in html and "登录" in html
    actors = re.findall(r'class="dw-audit-actor">([^<]*)<', html)
    assert "李书记" in actors and not {"sec_a", "org_city_b", "member_a"} & set(actors)
    assert f'class="dw-audit-org">{world.branch_a.name}<' in html
    # the raw record, for an auditor who wants it as stored
    assert "<details" in html and "&quot;action&quot;: &quot;member.update&quot;" in html


def test_filter_by_action(auditor_client, entries):
    shown = _shown(auditor_client.get("/audit/", {"action": "member.update"}))
    assert shown == {entries["a_today"].seq, entries["b_today"].seq}
    response = auditor_client.get("/audit/", {"action": "no.such"})
    assert 'data-field-error="action"' in response.content.decode()


def test_filter_by_person_name_or_login(auditor_client, entries):
    mine = {entries["a_today"].seq, entries["a_old"].seq}
    assert _shown(auditor_client.get("/audit/", {"person": "李书记"})) == mine
    assert _shown(auditor_client.get("/audit/", {"person": "书记"})) == mine
    assert _shown(auditor_client.get("/audit/", {"person": "sec_a"})) == mine
    assert _shown(auditor_client.get("/audit/", {"person": "赵六"})) == set()


def test_filter_by_organization_with_its_subtree(auditor_client, entries, world):
    seen = _shown(auditor_client.get("/audit/", {"org": world.city_a.pk}))
    assert {entries["a_today"].seq, entries["a_old"].seq} <= seen
    assert entries["b_today"].seq not in seen and entries["nowhere"].seq not in seen
    assert _shown(auditor_client.get("/audit/", {"org": world.branch_b.pk})) >= {entries["b_today"].seq}
    assert entries["a_today"].seq not in _shown(auditor_client.get("/audit/", {"org": world.branch_b.pk}))


def test_an_organization_out_of_scope_is_refused_with_a_message(client, people, world, entries):
    auditor_a = testing.make_user("audit_city_a", ("audit_admin", world.city_a))
    client.force_login(auditor_a)
    response = client.get("/audit/", {"org": world.branch_b.pk})
    assert response.status_code == 200 and 'data-field-error="org"' in response.content.decode()
    assert entries["b_today"].seq not in _shown(client.get("/audit/"))


def test_filter_by_dates(auditor_client, entries):
    today = timezone.localdate()
    recent = _shown(auditor_client.get("/audit/", {"since": (today - timedelta(days=5)).isoformat()}))
    assert entries["a_today"].seq in recent and entries["nowhere"].seq in recent and entries["a_old"].seq not in recent
    older = _shown(auditor_client.get("/audit/", {"until": (today - timedelta(days=5)).isoformat()}))
    assert entries["a_old"].seq in older and entries["a_today"].seq not in older
    response = auditor_client.get("/audit/", {"since": today.isoformat(), "until": (today - timedelta(days=1)).isoformat()})
    assert response.status_code == 200 and 'data-field-error="until"' in response.content.decode()
    response = auditor_client.get("/audit/", {"since": "2026-13-45"})
    assert response.status_code == 200 and 'data-field-error="since"' in response.content.decode()


def test_filters_combine_and_the_log_is_paginated(auditor_client, people, world):
    for n in range(35):
        _record("member.update", actor=people["secretary"], target=people["m_plain"], organization=world.branch_a,
                summary={"fields": ["work_unit"], "n": n})
    query = {"action": "member.update", "person": "李书记", "org": world.branch_a.pk}
    first = _shown(auditor_client.get("/audit/", query))
    second = _shown(auditor_client.get("/audit/", {**query, "page": 2}))
    assert len(first) == 30 and len(second) == 5 and not first & second
    html = auditor_client.get("/audit/", query).content.decode()
    assert "person=%E6%9D%8E%E4%B9%A6%E8%AE%B0" in html and "page=2" in html  # the page links keep the filters
