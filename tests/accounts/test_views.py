"""The account pages: sign-up, login and logout, and the profile."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from contrib.accounts.choices import CreditConsent
from contrib.accounts.models import Profile
from contrib.accounts.services import user_signup

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple-9"


def test_signup_creates_the_user_and_profile_and_signs_in() -> None:
    client = Client()
    assert "Create account" in client.get("/accounts/signup/").content.decode()
    response = client.post(
        "/accounts/signup/",
        {"username": "ada", "email": "ada@example.org", "display_name": "Ada", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    profile = Profile.objects.get(user__username="ada")
    assert profile.display_name == "Ada" and profile.dco_email == "ada@example.org"
    html = client.get("/accounts/profile/").content.decode()
    assert "Log out" in html and "Fill in your DCO name" in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password2": "something-else-42"}, "password2", "The two passwords differ"),
        ({"password1": "123", "password2": "123"}, "password1", "too short"),
        ({"username": "taken"}, "username", "This username is taken"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"username": "bad name!"}, "username", "valid username"),
    ],
)
def test_signup_errors_are_shown_at_their_fields(changes: dict[str, str], field: str, message: str) -> None:
    user_signup(username="taken", email="t@example.org", password=PASSWORD)
    data = {"username": "ada", "email": "ada@example.org", "password1": PASSWORD, "password2": PASSWORD, **changes}
    response = Client().post("/accounts/signup/", data)
    assert response.status_code == 200
    html = response.content.decode()
    slot = html.split(f'id="msg-{field}"', 1)[1].split("</div>", 1)[0]
    assert message in slot
    assert get_user_model().objects.count() == 1


def test_login_and_logout_by_post() -> None:
    user_signup(username="ada", email="ada@example.org", password=PASSWORD)
    client = Client()
    html = client.get("/accounts/login/?next=/submit/").content.decode()
    assert 'name="next" value="/submit/"' in html
    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD, "next": "/submit/"})
    assert response.status_code == 302 and response["Location"] == "/submit/"
    bad = Client().post("/accounts/login/", {"username": "ada", "password": "wrong"})
    assert bad.status_code == 200 and "correct username and password" in bad.content.decode()
    assert client.get("/accounts/logout/").status_code == 405  # logging out is a POST
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert client.get("/accounts/profile/").status_code == 302


def test_profile_edits_dco_identity_consent_and_notifications() -> None:
    user = user_signup(username="ada", email="ada@example.org", password=PASSWORD)
    client = Client()
    client.force_login(user)
    response = client.post(
        "/accounts/profile/",
        {"display_name": "Ada L.", "dco_name": "Ada Lovelace", "dco_email": "ada@example.org",
         "credit_consent": CreditConsent.NAMED, "notify_by_email": ""},
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=user)
    assert profile.signoff == "Signed-off-by: Ada Lovelace <ada@example.org>"
    assert profile.credit_consent == CreditConsent.NAMED and profile.notify_by_email is False
    html = client.get("/accounts/profile/").content.decode()
    assert "Signed-off-by: Ada Lovelace &lt;ada@example.org&gt;" in html
    bad = client.post("/accounts/profile/", {"dco_email": "nope", "credit_consent": "loud"})
    assert bad.status_code == 200 and 'id="msg-dco_email" role="alert"><p class="error">' in bad.content.decode()


def test_profile_escapes_user_text() -> None:
    user = user_signup(username="ada", email="ada@example.org", password=PASSWORD, display_name="<script>x</script>")
    client = Client()
    client.force_login(user)
    html = client.get("/accounts/profile/").content.decode()
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html


def test_csrf_is_enforced_on_account_forms() -> None:
    user = user_signup(username="ada", email="ada@example.org", password=PASSWORD)
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post("/accounts/signup/", {"username": "x"}).status_code == 403
    assert anonymous.post("/accounts/login/", {"username": "ada", "password": PASSWORD}).status_code == 403
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(user)
    assert signed_in.post("/accounts/profile/", {"display_name": "x"}).status_code == 403
    assert signed_in.post("/accounts/logout/").status_code == 403
    assert not mail.outbox
