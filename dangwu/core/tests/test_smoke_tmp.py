import pytest
from dangwu import testing

@pytest.mark.django_db
def test_smoke(client, people, world):
    client.force_login(people["secretary"])
    for url in ["/", "/orgs/", f"/orgs/{world.branch_a.pk}/", f"/orgs/{world.branch_a.pk}/children/", "/members/?q=zs",
                f"/members/{people['m_plain'].pk}/", f"/members/{people['m_plain'].pk}/edit/", f"/members/{people['m_plain'].pk}/standing/",
                f"/members/new/in/{world.branch_a.pk}/", "/api/v1/members/", "/api/v1/organizations/", "/api/schema/", "/api/docs/"]:
        r = client.get(url)
        print(url, r.status_code, len(r.content))
    r = client.get(f"/members/{people['m_b'].pk}/"); print("other", r.status_code)
    r = client.get("/members/?q=zs"); assert "张三" in r.content.decode()
