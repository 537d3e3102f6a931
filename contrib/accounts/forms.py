"""Forms of accounts: sign-up and the profile."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import UsernameField

from contrib.accounts.models import Profile


class SignupForm(forms.Form):
    """A new account: username, email, a password typed twice, and the name others see."""

    username = UsernameField(max_length=150, help_text="Letters, digits and @ . + - _ only.")
    email = forms.EmailField(help_text="Used for notifications and prefilled as your DCO sign-off email.")
    display_name = forms.CharField(max_length=150, required=False, help_text="The name shown to other people.")
    password1 = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        user_model = get_user_model()
        user_model.username_validator(username)  # type: ignore[attr-defined]
        if user_model.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("This username is taken: choose another one.")
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ: type the same password twice.")
        elif first:
            probe = get_user_model()(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class ProfileForm(forms.ModelForm):
    """The profile a user edits: names, DCO identity, credit consent and email notifications."""

    class Meta:
        model = Profile
        fields = ("display_name", "dco_name", "dco_email", "credit_consent", "notify_by_email")
        widgets: ClassVar[dict[str, Any]] = {"credit_consent": forms.RadioSelect}
        help_texts: ClassVar[dict[str, str]] = {
            "dco_name": "Your real name, as the Developer Certificate of Origin sign-off needs it.",
            "dco_email": "The email of your sign-off line.",
        }
        labels: ClassVar[dict[str, str]] = {"notify_by_email": "Email me about reviews and comments (the in-app notifications stay on)"}
