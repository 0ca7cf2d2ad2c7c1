"""A service's ValidationError shown on a Django form: the one helper every app's pages use."""


def apply_errors(form, exc, *, aliases=None):
    """A service's ValidationError as form errors: a field's errors next to it (`aliases` maps a service's key to
    the form's field), the rest above the form."""
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        field = aliases.get(key, key)
        form.add_error(field if field in form.fields else None, errors)
