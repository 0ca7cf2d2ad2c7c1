from .models import Notification


def inbox_for(user):
    """The user's own notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


INBOX_FIELDS = ("id", "kind", "subject", "body", "link", "created_at", "read_at")


def inbox_rows_for(user):
    """The inbox as plain rows (dicts), for the list endpoint: no model instances to build."""
    return inbox_for(user).values(*INBOX_FIELDS)


def unread_count(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
