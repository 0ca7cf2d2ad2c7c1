from django.contrib import admin

from .models import Delivery, EmailPreference, Notification


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    readonly_fields = ["channel", "status", "attempts", "last_error", "next_attempt_at", "sent_at"]
    can_delete = False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "kind", "subject", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "notification", "channel", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["channel", "status"]
    raw_id_fields = ["notification"]


admin.site.register(EmailPreference)
