"""Admin of accounts: profiles (maintainers, DCO identity) and the areas reviewers own."""

from django.contrib import admin

from contrib.accounts.models import Area, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "display_name", "is_maintainer", "credit_consent", "notify_by_email"]
    list_filter = ["is_maintainer", "credit_consent", "notify_by_email"]
    search_fields = ["user__username", "display_name", "dco_name", "dco_email"]
    raw_id_fields = ["user"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["prefix", "required_approvals"]
    search_fields = ["prefix"]
    filter_horizontal = ["reviewers"]
