"""The leak test over every route: an expert, with other experts' sheets present, GETs every page, API
endpoint and export the site has (walked from the URL resolver, with every id of the scene in every id
parameter) and never receives another expert's comment, total, the aggregate, or who the other experts are.
A new route is covered automatically."""

import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.urls import get_resolver
from django.urls.resolvers import URLResolver

from review import results
from review.models import Assignment, ScoreSheet

from .test_api_scope import SECRET_B, SECRET_C, scene  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
SKIP = re.compile(r"^(admin/|media/|logout/|i18n/|api/schema|api/docs|reset/|verify-email/|password-)")
PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def routes(patterns=None, prefix=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from routes(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern)


def concrete(route, ids):
    """Every URL the route gives with the scene's ids in its parameters (format suffixes dropped)."""
    if "format" in route:
        return []
    route = route.replace("^", "").replace("$", "").replace("\\.", ".")
    urls = [route]
    for _param in PARAM.findall(route):
        urls = [PARAM.sub(str(i), u, count=1) for u in urls for i in ids]
    return ["/" + u for u in urls]


def text_of(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # an .xlsx: search the XML inside
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return "".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist())
    return body.decode("utf-8", "ignore")


@pytest.mark.parametrize("who", ["a", "b"])
def test_no_route_shows_an_expert_another_experts_sheet(world, scene, client, who):  # noqa: F811
    rr, apps = scene["round"], scene["apps"]
    me = scene[who]
    others = [scene[x] for x in ("a", "b", "c") if x != who]
    other_sheets = ScoreSheet.objects.filter(application=apps[0], state="submitted").exclude(
        assignment__expert=me)
    row = results.application_result(rr, apps[0].pk)
    secrets = {s.comment for s in other_sheets} | {str(s.total) for s in other_sheets} | {str(row.score)}
    secrets |= {o.username for o in others} | {o.display_name for o in others if o.display_name}
    assert SECRET_C in secrets and Decimal(str(row.score)) > 0
    ids = sorted({rr.pk, rr.batch_id, *(a.pk for a in apps),
                  *Assignment.objects.filter(round=rr).values_list("pk", flat=True),
                  *ScoreSheet.objects.filter(application__in=apps).values_list("pk", flat=True),
                  *(o.pk for o in others), me.pk})
    client.force_login(me)
    checked = 0
    for route in routes():
        if SKIP.match(route):
            continue
        for url in concrete(route, ids):
            response = client.get(url)
            if response.status_code >= 300:
                continue
            content = text_of(response)
            leaked = [s for s in secrets if s and s in content]
            assert not leaked, (url, leaked)
            checked += 1
    # The expert's own pages and endpoints were among those read (the walk did reach them).
    assert checked > 20
    if who == "b":
        assert client.get(f"/review/assignments/{scene['on'][apps[0].pk, me.pk].pk}/").status_code == 200
