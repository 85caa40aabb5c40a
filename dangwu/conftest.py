import pytest

from dangwu import testing


@pytest.fixture
def world(db):
    return testing.make_world()


@pytest.fixture
def people(world):
    """Callers at every distance from branch A: its secretary and a plain member, the
    secretary of the sibling branch, the organization departments of city A, city B and
    the province, discipline inspection, and the three administrators."""
    w = world
    secretary = testing.make_user("sec_a", ("branch_secretary", w.branch_a))
    plain = testing.make_user("member_a")
    sibling = testing.make_user("sec_a2", ("branch_secretary", w.branch_a2))
    city_a = testing.make_user("org_city_a", ("org_department", w.city_a))
    city_b = testing.make_user("org_city_b", ("org_department", w.city_b))
    province = testing.make_user("org_prov", ("org_department", w.province))
    discipline = testing.make_user("disc_prov", ("discipline", w.province))
    sysadmin = testing.make_user("sys_prov", ("system_admin", w.province))
    auditor = testing.make_user("audit_prov", ("audit_admin", w.province))
    security = testing.make_user("sec_admin_prov", ("security_admin", w.province))
    m_sec = testing.make_member(w.branch_a, name="李书记", user=secretary)
    m_plain = testing.make_member(w.branch_a, name="张三", user=plain)
    m_other = testing.make_member(w.branch_a2, name="王五", male=False, birth=__import__("datetime").date(1990, 3, 3))
    m_b = testing.make_member(w.branch_b, name="赵六")
    return {
        "secretary": secretary, "plain": plain, "sibling": sibling, "city_a": city_a, "city_b": city_b,
        "province": province, "discipline": discipline, "sysadmin": sysadmin, "auditor": auditor,
        "security": security, "m_sec": m_sec, "m_plain": m_plain, "m_other": m_other, "m_b": m_b,
    }
