from .navigation import menu_for
from .roles import roles_of


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": menu_for(None)}
    r = roles_of(user)
    return {"user_roles": r, "nav_items": menu_for(user), "acting_membership": r.primary}
