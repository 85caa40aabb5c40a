"""API login and docs: token login, two-factor for cadres, lockout, schema and interactive docs."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dangwu import testing
from dangwu.core.models import AuditEntry

TOKEN_URL = "/api/v1/auth/token/"
MEMBERS_URL = "/api/v1/members/"


def _login(client: APIClient, username: str, password: str = testing.PASSWORD, **extra):
    return client.post(TOKEN_URL, {"username": username, "password": password, **extra}, format="json")


def _gave_no_token(response) -> bool:
    """A refusal carries no token (a locked account is answered with axes' HTML page)."""
    if response["Content-Type"].startswith("application/json"):
        return "token" not in response.json()
    return not any(key.encode() in response.content for key in Token.objects.values_list("key", flat=True))


def _device(user, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=confirmed)


def _code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now (what TOTPDevice.verify_token accepts)."""
    device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return str(value).zfill(device.digits)


def _wrong_code(device: TOTPDevice) -> str:
    """A code of the right shape that no step near now produces (the device accepts ±tolerance steps)."""
    device.refresh_from_db()
    near = {totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=d) for d in range(-5, 6)}
    candidate = next(c for c in range(123456, 10**device.digits) if c not in near)
    return str(candidate).zfill(device.digits)


# --- token login ---------------------------------------------------------------------

def test_token_login_end_to_end(people):
    client = APIClient()
    response = _login(client, "sec_a")
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=people["secretary"]).key
    assert AuditEntry.objects.filter(action="account.api_token", actor=people["secretary"]).count() == 1

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = client.get(MEMBERS_URL)
    assert listed.status_code == 200
    assert {row["id"] for row in listed.json()["results"]} == {people["m_sec"].pk, people["m_plain"].pk}


def test_a_new_login_replaces_the_token(people):
    client = APIClient()
    first = _login(client, "org_prov").json()["token"]
    second = _login(client, "org_prov").json()["token"]
    assert first != second
    assert Token.objects.filter(user=people["province"]).count() == 1
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.get(MEMBERS_URL).status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert client.get(MEMBERS_URL).status_code == 200


def test_a_token_expires_after_its_lifetime(people, settings):
    from datetime import timedelta

    from django.utils import timezone

    client = APIClient()
    key = _login(client, "org_prov").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(MEMBERS_URL).status_code == 200
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=settings.DANGWU_API_TOKEN_HOURS, minutes=1))
    response = client.get(MEMBERS_URL)
    assert response.status_code == 401 and "过期" in response.json()["detail"]


@pytest.mark.parametrize("header", [
    "Token " + "0" * 40, "Token \x00abc", "Token " + "a" * 5000, "Token a b", "Token", "Token \u00e9",
    "Basic c2VjX2E6eA==", "Bearer abc",
])
def test_bogus_token_is_refused(people, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(MEMBERS_URL)
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


@pytest.mark.parametrize("username, password", [
    ("sec_a", "wrong-password"),
    ("nobody", testing.PASSWORD),
    ("SEC_A", "wrong-password"),
    ("张三" * 20, testing.PASSWORD),
])
def test_wrong_credentials_give_no_token(people, username, password):
    response = _login(APIClient(), username, password)
    assert response.status_code in (401, 403)
    assert "token" not in response.json()
    assert not Token.objects.exists()


@pytest.mark.parametrize("body", [
    {},
    {"username": "sec_a"},
    {"password": testing.PASSWORD},
    {"username": ["sec_a"], "password": {"x": 1}},
    {"username": "sec_a\x00", "password": testing.PASSWORD},
    {"username": "sec_a", "password": ""},
    {"username": "x" * 10_000, "password": "y" * 10_000},
    {"username": "x" * 256, "password": testing.PASSWORD},
    [1, 2, 3],
    "just a string",
    None,
])
def test_malformed_login_is_400(people, body):
    response = APIClient().post(TOKEN_URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_non_json_login_is_400(people):
    response = APIClient().post(TOKEN_URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_missing_fields_are_named(people):
    response = APIClient().post(TOKEN_URL, {}, format="json")
    assert response.status_code == 400
    assert {"username", "password"} <= set(response.json())


# --- two factors -------------------------------------------------------------------------

def test_cadre_without_otp_is_refused_like_a_wrong_password(people, settings):
    """The answer must not confirm that the password was right; it names otp as a possible cause."""
    settings.DANGWU_REQUIRE_2FA = True
    _device(people["secretary"])
    response = _login(APIClient(), "sec_a")
    wrong_password = _login(APIClient(), "sec_a", "not-the-password")
    assert response.status_code == wrong_password.status_code in (401, 403)
    assert response.json() == wrong_password.json()
    assert "otp" in response.json()["detail"]
    assert not Token.objects.exists()


def test_wrong_otp_codes_count_toward_the_lockout(people, settings):
    settings.DANGWU_REQUIRE_2FA = True
    device = _device(people["secretary"])
    client = APIClient()
    for _ in range(5):
        _login(client, "sec_a", otp=_wrong_code(device))
    device.throttle_reset()
    response = _login(client, "sec_a", otp=_code(device))
    assert response.status_code == 429
    assert not Token.objects.exists()


def test_cadre_with_wrong_otp_is_refused(people, settings):
    settings.DANGWU_REQUIRE_2FA = True
    device = _device(people["secretary"])
    response = _login(APIClient(), "sec_a", otp=_wrong_code(device))
    assert response.status_code in (401, 403)
    assert "token" not in response.json()
    assert not Token.objects.exists()


@pytest.mark.parametrize("otp", ["abcdef", "１２３４５６", "9" * 500, "\u202e123"])
def test_cadre_with_garbage_otp_is_refused(people, settings, otp):
    settings.DANGWU_REQUIRE_2FA = True
    _device(people["secretary"])
    response = _login(APIClient(), "sec_a", otp=otp)
    assert response.status_code in (400, 401, 403)
    assert "token" not in response.json()


def test_cadre_with_right_otp_gets_a_working_token(people, settings):
    settings.DANGWU_REQUIRE_2FA = True
    device = _device(people["city_a"])
    client = APIClient()
    response = _login(client, "org_city_a", otp=_code(device))
    assert response.status_code == 200, response.content
    token = response.json()["token"]

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = client.get(MEMBERS_URL)
    assert listed.status_code == 200
    assert people["m_other"].pk in {row["id"] for row in listed.json()["results"]}


def test_otp_of_unconfirmed_device_is_refused(people, settings):
    settings.DANGWU_REQUIRE_2FA = True
    device = _device(people["secretary"], confirmed=False)
    response = _login(APIClient(), "sec_a", otp=_code(device))
    assert response.status_code in (401, 403)
    assert "token" not in response.json()


def test_otp_of_another_users_device_is_refused(people, settings):
    settings.DANGWU_REQUIRE_2FA = True
    _device(people["secretary"])
    other = _device(people["province"])
    response = _login(APIClient(), "sec_a", otp=_code(other))
    assert response.status_code in (401, 403)
    assert "token" not in response.json()


def test_plain_member_needs_no_otp(people, settings):
    settings.DANGWU_REQUIRE_2FA = True
    client = APIClient()
    response = _login(client, "member_a")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    listed = client.get(MEMBERS_URL)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [people["m_plain"].pk]


@pytest.mark.parametrize("username", ["sys_prov", "audit_prov", "sec_admin_prov", "disc_prov"])
def test_every_cadre_role_needs_otp(people, settings, username):
    settings.DANGWU_REQUIRE_2FA = True
    response = _login(APIClient(), username)
    assert response.status_code in (401, 403)
    assert "token" not in response.json()


def test_cadre_needs_no_otp_when_not_required(people, settings):
    settings.DANGWU_REQUIRE_2FA = False
    response = _login(APIClient(), "sec_a")
    assert response.status_code == 200
    assert response.json()["token"]


def test_unverified_session_of_cadre_is_refused_when_2fa_required(people, settings):
    settings.DANGWU_REQUIRE_2FA = True
    client = APIClient()
    client.force_authenticate(people["secretary"])
    assert client.get(MEMBERS_URL).status_code == 403
    settings.DANGWU_REQUIRE_2FA = False
    assert client.get(MEMBERS_URL).status_code == 200


# --- lockout ---------------------------------------------------------------------------

REFUSED = (401, 403, 429)  # 429: django-axes answers a locked account "too many requests"


def test_five_failures_lock_the_account(people):
    client = APIClient()
    for _ in range(5):
        assert _login(client, "sec_a", "wrong-password").status_code in REFUSED
    response = _login(client, "sec_a")
    assert response.status_code == 429
    assert "锁定" in response.json()["detail"]  # JSON for API clients, not the HTML page
    assert _gave_no_token(response)
    assert not Token.objects.filter(user=people["secretary"]).exists()
    # the lock is per account: another user still logs in
    assert _login(client, "org_prov").status_code == 200


def test_four_failures_do_not_lock(people):
    client = APIClient()
    for _ in range(4):
        assert _login(client, "sec_a", "wrong-password").status_code in (401, 403)
    response = _login(client, "sec_a")
    assert response.status_code == 200
    assert response.json()["token"]


def test_successful_token_login_resets_the_failure_count(people):
    client = APIClient()
    for _ in range(4):
        _login(client, "sec_a", "wrong-password")
    assert _login(client, "sec_a").status_code == 200
    for _ in range(4):
        assert _login(client, "sec_a", "wrong-password").status_code in (401, 403)
    assert _login(client, "sec_a").status_code == 200
    people["secretary"].refresh_from_db()
    assert people["secretary"].last_login is not None


def test_wrong_otps_do_not_bypass_lockout(people, settings):
    settings.DANGWU_REQUIRE_2FA = True
    device = _device(people["secretary"])
    client = APIClient()
    for _ in range(5):
        _login(client, "sec_a", "wrong-password")
    response = _login(client, "sec_a", otp=_code(device))
    assert response.status_code in REFUSED
    assert _gave_no_token(response)
    assert not Token.objects.exists()


# --- anonymous, schema and docs --------------------------------------------------------------

@pytest.mark.parametrize("method, url", [
    ("get", "/api/v1/members/"),
    ("post", "/api/v1/members/"),
    ("get", "/api/v1/organizations/"),
    ("post", "/api/v1/organizations/"),
    ("get", "/api/schema/"),
    ("get", "/api/docs/"),
])
def test_anonymous_is_refused(people, method, url):
    response = getattr(APIClient(), method)(url, {}, format="json") if method == "post" else APIClient().get(url)
    assert response.status_code in (401, 403)
    assert b"results" not in response.content
    assert b"openapi" not in response.content


def test_anonymous_detail_is_refused(people):
    client = APIClient()
    for url in (f"/api/v1/members/{people['m_plain'].pk}/", f"/api/v1/organizations/{people['m_plain'].organization_id}/"):
        response = client.get(url)
        assert response.status_code in (401, 403)
        assert people["m_plain"].name.encode() not in response.content


def test_schema_is_openapi_3_with_the_routes(people):
    client = APIClient()
    client.force_authenticate(people["plain"])
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/auth/token/", "/api/v1/members/", "/api/v1/members/{id}/", "/api/v1/organizations/",
            "/api/v1/organizations/{id}/"} <= set(schema["paths"])
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_schema_default_is_yaml(people):
    client = APIClient()
    client.force_authenticate(people["province"])
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response.content.decode().startswith("openapi: 3.")


def test_docs_serve_local_assets_only(people):
    client = APIClient()
    client.force_authenticate(people["province"])
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html) + re.findall(r'<link[^>]*\bhref="([^"]+)"', html)
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    assert any("swagger-ui" in src for src in scripts)
    for url in assets:
        if url.startswith("/api/docs/?"):  # its start-up script, from the view itself (no inline script: CSP)
            continue
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a served static file"
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert not re.search(r"https?://[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE)


# --- a token is worth what its login proved (issue 12, finding 5) ----------------------

def test_a_token_got_without_otp_stops_when_its_holder_becomes_a_cadre(people, world, settings):
    """A plain member's token, issued on the password alone, must not carry the secretary's role
    granted afterwards: the grant revokes it, and the holder logs in again with the code."""
    from dangwu.core import services

    settings.DANGWU_REQUIRE_2FA = True
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {_login(client, 'member_a').json()['token']}")
    assert client.get(MEMBERS_URL).status_code == 200
    services.grant_role(actor=people["security"], user=people["plain"], role="branch_secretary",
                        organization=world.branch_a)
    response = client.get(MEMBERS_URL)
    assert response.status_code == 401
    assert not Token.objects.filter(user=people["plain"]).exists()
    grant = AuditEntry.objects.get(action="role.grant", summary__user="member_a")
    assert grant.summary["api_tokens_revoked"] == 1

    device = _device(people["plain"])
    again = _login(APIClient(), "member_a", otp=_code(device))
    assert again.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {again.json()['token']}")
    assert client.get(MEMBERS_URL).status_code == 200


def test_a_cadres_token_got_without_otp_is_revoked_once_2fa_is_required(people, settings):
    """Tokens issued while DANGWU_REQUIRE_2FA was off are checked against the setting of each request."""
    settings.DANGWU_REQUIRE_2FA = False
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {_login(client, 'sec_a').json()['token']}")
    assert client.get(MEMBERS_URL).status_code == 200
    settings.DANGWU_REQUIRE_2FA = True
    response = client.get(MEMBERS_URL)
    assert response.status_code == 401
    assert "otp" in response.json()["detail"]
    assert not Token.objects.filter(user=people["secretary"]).exists()
    revoked = AuditEntry.objects.get(action="account.api_token_revoke")
    assert revoked.summary["tokens"] == 1 and revoked.summary["username"] == "sec_a"
    # a token issued with the code keeps working, and a plain member's without one too
    device = _device(people["secretary"])
    verified = _login(APIClient(), "sec_a", otp=_code(device)).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {verified}")
    assert client.get(MEMBERS_URL).status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {_login(APIClient(), 'member_a').json()['token']}")
    assert client.get(MEMBERS_URL).status_code == 200
