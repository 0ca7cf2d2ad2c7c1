"""E-mail backends for tests: real backend classes, selected through settings.EMAIL_BACKEND."""

from django.core.mail.backends.base import BaseEmailBackend


class RefusingEmailBackend(BaseEmailBackend):
    """Behaves like an SMTP server that refuses the connection."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("[Errno 111] Connection refused")
