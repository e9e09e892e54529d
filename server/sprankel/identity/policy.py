"""Who may create and join, with OpenID Connect configured, and the names accounts give.

    creating a session or a Koffiehoek space   a login (401), and with
                                               --oidc-creator-group membership of it (403)
    joining by link                            anyone with a name while --guests is on (the
                                               default); a login when it is off (401)

Without --oidc-issuer there are no accounts and everyone may do everything, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..kernel.errors import Forbidden, Unauthorized
from ..kernel.limits import MAX_NAME
from .logins import Account


@dataclass(frozen=True)
class Policy:
    configured: bool = False  # OpenID Connect is on
    creator_group: str | None = None
    guests: bool = True

    def may_create(self, account: Account | None) -> bool:
        if not self.configured:
            return True
        if account is None:
            return False
        return self.creator_group is None or self.creator_group in account.groups

    def check_create(self, account: Account | None, what: str) -> None:
        if not self.configured:
            return
        if account is None:
            raise Unauthorized(f"log in to create {what} (GET /login)", "login_required")
        if not self.may_create(account):
            raise Forbidden(f"only members of the group {self.creator_group!r} may create "
                            f"{what}", "not_in_creator_group")

    def check_join(self, account: Account | None) -> None:
        if self.configured and not self.guests and account is None:
            raise Unauthorized("this server lets only people with an account join: log in "
                               "first (GET /login)", "login_required")


def display_name(account: Account, asked: str | None) -> str:
    """The name shown for an account: the account's, or a shortening of it the user chose
    (a first name); never a name the account does not bear."""
    full = account.name.strip() or (account.email or "").split("@")[0] or account.sub
    full = full[:MAX_NAME]
    if asked and asked.strip() and asked.strip().casefold() in full.casefold():
        return asked.strip()
    return full


def account_from(issuer: str, claims: dict[str, Any], userinfo: dict[str, Any],
                 groups_claim: str) -> Account:
    """The account of a checked ID token, completed from the userinfo answer."""
    merged = {**userinfo, **{k: v for k, v in claims.items() if v not in (None, "", [])}}
    name = merged.get("name") or " ".join(
        str(merged[k]) for k in ("given_name", "family_name") if merged.get(k)) \
        or merged.get("preferred_username") or ""
    email = merged.get("email")
    raw_groups = merged.get(groups_claim) or []
    if isinstance(raw_groups, str):
        raw_groups = [raw_groups]
    # Keycloak's group mapper may write full paths ("/sprankel-makers"): both forms count.
    groups: list[str] = []
    for group in raw_groups if isinstance(raw_groups, list) else []:
        text = str(group)
        groups.append(text)
        if text.startswith("/") and text.lstrip("/") and text.lstrip("/") not in groups:
            groups.append(text.rsplit("/", 1)[-1])
    return Account(issuer, str(claims["sub"]), str(name)[:MAX_NAME],
                   str(email) if isinstance(email, str) else None, tuple(groups))
