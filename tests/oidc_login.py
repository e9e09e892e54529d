"""Logging in to a Sprankel server through a real OpenID provider's own pages, scripted
with httpx (the browser test does the same in Chromium): the login form, the consent
form, back to Sprankel's callback. Used by the policy and cookie tests."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

import httpx

_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
_INPUT = re.compile(r"<input([^>]*)>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


async def login(client: httpx.AsyncClient, sprankel: str, user: str,
                next_path: str = "/") -> httpx.Response:
    """Log `user` in; returns Sprankel's last answer (the redirect to next_path)."""
    response = await client.get(f"{sprankel}/login", params={"next": next_path})
    for _ in range(20):
        if response.is_redirect:
            target = urljoin(str(response.url), response.headers["location"])
            if urlsplit(target).netloc == urlsplit(sprankel).netloc and \
                    not urlsplit(target).path.startswith("/auth/callback") and \
                    urlsplit(str(response.url)).path.startswith("/auth/callback"):
                return response
            response = await client.get(target)
            continue
        response = await submit(client, response, user)
    raise AssertionError("the login did not come back to Sprankel")


async def submit(client: httpx.AsyncClient, page: httpx.Response, user: str
                 ) -> httpx.Response:
    """Submit the provider's page (its login form as `user`, or its consent form)."""
    form = _FORM.search(page.text)
    assert page.status_code == 200 and form, (str(page.url), page.status_code, page.text[:500])
    fields = {}
    for attributes in _INPUT.findall(form[2]):
        attrs = dict(_ATTR.findall(attributes))
        if "name" in attrs:
            fields[attrs["name"]] = html.unescape(attrs.get("value", ""))
    if "login" in fields:
        fields |= {"login": user, "password": "any password"}
    return await client.post(urljoin(str(page.url), html.unescape(form[1])), data=fields)
