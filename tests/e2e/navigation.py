"""Clicking a main-menu entry, opening its dropdown group first when it is inside one."""


def nav(page, name):
    bar = page.get_by_role("navigation", name="主导航")
    link = bar.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        # `has` is matched inside each group, so it is built from the page, not from the bar.
        group = bar.locator("li.dropdown").filter(
            has=page.get_by_role("link", name=name, exact=True, include_hidden=True))
        group.locator(".dropdown-toggle").click()
    link.click()
