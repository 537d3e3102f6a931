"""URLs of the account pages: sign-up, login, logout (POST) and the profile."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, path

from contrib.accounts import views

app_name = "accounts"
urlpatterns: list[URLPattern] = [
    path("signup/", views.signup, name="signup"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
]
