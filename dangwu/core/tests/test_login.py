"""Login pages: password, lockout after five failures, TOTP for cadres, session lifetime, language."""

import time

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangwu import testing
from dangwu.core.models import AuditEntry


def _login(client, username, password=testing.PASSWORD, next_="/"):
    return client.post("/accounts/login/", {"username": username, "password": password, "next": next_})


def _code(device):
    return str(totp(device.bin_key, device.step, device.t0, device.digits)).zfill(device.digits)


@pytest.mark.django_db
def test_login_page_is_chinese_by_default(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-CN">' in html
    assert "登录" in html and "用户名" in html


@pytest.mark.django_db
def test_login_page_in_english_when_chosen(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in html
    assert "Username" in html and "Log in" in html


@pytest.mark.django_db
def test_good_password_logs_in_and_bad_one_says_why(client, people):
    response = _login(client, "member_a", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    response = _login(client, "member_a")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_five_failures_lock_the_account(client, people):
    for _ in range(5):
        _login(client, "member_a", "wrong-password")
    response = _login(client, "member_a")  # the right password, but locked now
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # another account is not affected
    other = Client()
    assert _login(other, "sec_a").status_code == 302


@pytest.mark.django_db
def test_unsafe_next_is_ignored(client, people):
    response = _login(client, "member_a", next_="https://evil.example/")
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_cadre_must_enrol_and_pass_totp_when_required(client, people, settings):
    settings.DANGWU_REQUIRE_2FA = True
    response = _login(client, "sec_a", next_="/members/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/")
    # pages are closed until the second factor is passed
    assert client.get("/members/")["Location"].startswith("/accounts/otp/")
    response = client.get("/accounts/otp/?next=/members/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/otp/setup/")
    assert "<svg" in response.content.decode()  # the QR code, drawn locally
    assert not TOTPDevice.objects.filter(user=people["secretary"]).exists()  # nothing written on GET
    key = client.session["dangwu_totp_setup_key"]
    code = _code(TOTPDevice(key=key))
    bad = client.post("/accounts/otp/setup/?next=/members/", {"token": "000000" if code != "000000" else "111111"})
    assert bad.status_code == 200 and "动态口令不正确" in bad.content.decode()
    assert not TOTPDevice.objects.filter(user=people["secretary"]).exists()
    good = client.post("/accounts/otp/setup/?next=/members/", {"token": code})
    assert good.status_code == 302 and good["Location"] == "/members/"
    assert client.get("/members/").status_code == 200
    device = TOTPDevice.objects.get(user=people["secretary"])
    assert device.confirmed and device.key == key
    assert AuditEntry.objects.filter(action="account.totp_enrol").count() == 1


@pytest.mark.django_db
def test_password_alone_cannot_enrol_a_second_authenticator(people, settings):
    """Someone who knows only the password must not bind their own phone to a cadre's account."""
    settings.DANGWU_REQUIRE_2FA = True
    TOTPDevice.objects.create(user=people["secretary"], name="phone", confirmed=True)
    client = Client()
    _login(client, "sec_a")
    response = client.get("/accounts/otp/setup/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/?")
    response = client.post("/accounts/otp/setup/", {"token": "123456"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/?")
    assert TOTPDevice.objects.filter(user=people["secretary"]).count() == 1
    assert client.get("/members/")["Location"].startswith("/accounts/otp/")


@pytest.mark.django_db
def test_enrolled_cadre_enters_code_on_next_login(people, settings):
    settings.DANGWU_REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=people["secretary"], name="phone", confirmed=True)
    client = Client()
    response = _login(client, "sec_a")
    assert response["Location"].startswith("/accounts/otp/")
    response = client.post("/accounts/otp/", {"token": "12345"})
    assert "动态口令为6位数字" in response.content.decode()
    response = client.post("/accounts/otp/?next=/", {"token": _code(device)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_plain_member_needs_no_second_factor(client, people, settings):
    settings.DANGWU_REQUIRE_2FA = True
    assert _login(client, "member_a")["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_second_factor_is_off_by_default(client, people, settings):
    assert settings.DANGWU_REQUIRE_2FA is False
    assert _login(client, "sec_a")["Location"] == "/"


def test_production_settings_require_second_factor():
    import importlib

    production = importlib.import_module("dangwu.settings_production")
    assert production.DANGWU_REQUIRE_2FA is True
    assert production.DEBUG is False
    assert production.SESSION_COOKIE_SECURE is True


@pytest.mark.django_db
def test_session_lasts_30_idle_minutes_and_12_hours_in_all(client, people, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    _login(client, "member_a")
    assert client.get("/").status_code == 200
    session = client.session
    session["dangwu_session_started"] = time.time() - 12 * 3600 - 5
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "expired=1" in response["Location"]
    assert client.get("/").status_code == 302  # logged out


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2_in_production_settings(settings):
    from dangwu import settings as base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_logout_needs_post(client, people):
    client.force_login(people["plain"])
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/")["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_logins_failures_and_logouts_are_audited_without_the_password(client, people):
    _login(client, "member_a", "wrong-password")
    _login(client, "member_a")
    client.post("/accounts/logout/")
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-3:] == ["account.login_failed", "account.login", "account.logout"]
    failed = AuditEntry.objects.get(action="account.login_failed")
    assert failed.summary == {"username": "member_a"} and failed.actor is None
    assert "wrong-password" not in str(list(AuditEntry.objects.values_list("summary", flat=True)))


@pytest.mark.django_db
def test_change_password_with_field_errors_then_success(client, people):
    client.force_login(people["plain"])
    response = client.post("/accounts/password/", {"old_password": "nope", "new_password1": "short",
                                                   "new_password2": "other"})
    html = response.content.decode()
    assert 'data-field-error="old_password"' in html and 'data-field-error="new_password2"' in html
    new = "Xiang-jiang-2026!"
    response = client.post("/accounts/password/", {"old_password": testing.PASSWORD, "new_password1": new,
                                                   "new_password2": new})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # still logged in
    people["plain"].refresh_from_db()
    assert people["plain"].check_password(new)
    assert AuditEntry.objects.filter(action="account.password_change").count() == 1


@pytest.mark.django_db
def test_password_age_limit_is_off_by_default_and_forces_a_change_when_set(client, people, settings):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(people["plain"])
    people["plain"].date_joined = timezone.now() - timedelta(days=400)
    people["plain"].save(update_fields=["date_joined"])
    assert client.get("/").status_code == 200
    settings.DANGWU_PASSWORD_MAX_AGE_DAYS = 90
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/?expired=1"
    assert client.get("/accounts/password/?expired=1").status_code == 200


@pytest.mark.django_db
def test_wrong_codes_on_the_otp_page_count_toward_the_lockout(people, settings):
    """The password alone must not buy unlimited guesses at the six digits (decision 0003)."""
    settings.DANGWU_REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=people["secretary"], name="phone", confirmed=True)
    right = _code(device)
    wrong = "000000" if right != "000000" else "111111"
    client = Client()
    assert _login(client, "sec_a")["Location"].startswith("/accounts/otp/")
    for _ in range(4):
        assert client.post("/accounts/otp/", {"token": wrong}).status_code == 200
    assert client.post("/accounts/otp/", {"token": wrong}).status_code == 429
    assert AuditEntry.objects.filter(action="account.login_failed", summary__username="sec_a").count() == 5
    # locked: the session is gone, and neither the right code nor the password gets in
    device.throttle_reset()
    assert client.post("/accounts/otp/", {"token": right}).status_code == 302
    assert client.get("/members/")["Location"].startswith("/accounts/login/")
    assert _login(Client(), "sec_a").status_code == 429
