"""HTML pages of accounts: sign-up, login and logout (Django's views with our templates), and the profile."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from contrib.accounts.forms import ProfileForm, SignupForm
from contrib.accounts.selectors import owned_prefixes, profile_of
from contrib.accounts.services import user_signup


def _next_url(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account and sign in; then the profile asks for the DCO name."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = user_signup(
            username=data["username"], email=data["email"], password=data["password1"], display_name=data["display_name"]
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # type: ignore[arg-type]
        messages.success(request, "Welcome to Seedbed. Add your DCO name so your submissions can be signed off.")
        return redirect(_next_url(request) or "accounts:profile")
    return render(request, "accounts/signup.html", {"form": form, "next": _next_url(request) or ""})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in user's profile: names, DCO identity, credit consent and email notifications."""
    instance = profile_of(request.user)  # type: ignore[arg-type]
    form = ProfileForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "profile": instance, "areas": owned_prefixes(request.user)},
    )
