from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ExpertProfile, Membership, Organisation, Region, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((None, {"fields": ("display_name", "phone", "email_verified_at")}),)
    list_display = ["username", "display_name", "email", "is_active", "is_staff"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "uscc", "region", "bureau_level", "department", "status"]
    list_filter = ["kind", "status", "bureau_level", "department"]
    search_fields = ["name", "uscc"]
    readonly_fields = ["status"]
    inlines = [MembershipInline]


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "title", "employer", "active"]
    list_filter = ["active"]
    raw_id_fields = ["user", "employer"]
