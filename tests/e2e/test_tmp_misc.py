from django.core import mail
from django.test import Client
from tests import factories as f

def test_reset_and_lockout(settings):
    u = f.UserFactory(username="someone", email="someone@example.com")
    c = Client()
    r = c.post("/password-reset/", {"email": "someone@example.com"})
    assert r.status_code == 302, r.content.decode()[-2000:]
    print(mail.outbox[0].subject); print(mail.outbox[0].body)
    path = [l for l in mail.outbox[0].body.splitlines() if "/reset/" in l][0].split("testserver")[-1]
    r = c.get(path, follow=True)
    print(r.redirect_chain, r.status_code)
    html = r.content.decode(); i = html.find("<main"); print(html[i:i+1500])
    for _ in range(6):
        r = c.post("/login/", {"username": "someone", "password": "wrong-password"})
    print(r.status_code)
    html = r.content.decode(); i = html.find("<main"); print(html[i:i+900])
    c2 = Client(HTTP_ACCEPT_LANGUAGE="en")
    r = c2.post("/login/", {"username": "someone", "password": "wrong-password"})
    html = r.content.decode(); i = html.find("<main"); print(html[i:i+900])
