from .models import Notification


def inbox_for(user):
    """The user's own notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
