// The login (OpenID Connect, when the server has it): who is logged in (/api/me), the
// "Inloggen" link where a page needs one, and the account line with "Uitloggen".
// Without login on the server nothing of this shows and every page works as before.
import { api } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

let me = { logged_in: false, login: false, guests: true, can_create: true };

export async function loadMe() {
  try {
    me = await api("GET", "/me");
  } catch {
    // An older server, or a network hiccup: behave as without login.
  }
  return me;
}

export const account = () => me;

function loginHref() {
  return `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/** "Ingelogd als NAME · Uitloggen", or an "Inloggen" link; null without login. */
export function accountLine() {
  if (!me.login) return null;
  if (!me.logged_in) {
    return h("p", { class: "account-line" }, h("a", { href: loginHref(), class: "utrecht-link", id: "login-link" }, t("account.login")));
  }
  return h("p", { class: "account-line", id: "account-line" },
    t("account.as", { name: me.name || me.email || "" }), " · ",
    h("a", { href: "/logout", class: "utrecht-link", id: "logout-link" }, t("account.logout")));
}

/**
 * What stands in for a form the account may not use: `create` needs a login (and maybe a
 * group), `join` needs one when the server takes no guests. null when the form may show.
 */
export function accountGate(kind) {
  if (!me.login) return null;
  const needsLogin = !me.logged_in && (kind === "create" || !me.guests);
  if (needsLogin) {
    return h("section", { class: "card login-needed", "aria-labelledby": "login-needed" },
      h("h1", { class: "utrecht-heading-1", id: "login-needed" }, t(`account.needed.${kind}`)),
      h("p", {}, h("a", { href: loginHref(), class: "utrecht-button-link utrecht-button-link--primary-action", id: "login-button" }, t("account.login"))));
  }
  if (kind === "create" && !me.can_create) {
    return h("section", { class: "card login-needed", "aria-labelledby": "login-needed" },
      h("h1", { class: "utrecht-heading-1", id: "login-needed" }, t("account.not.creator")),
      accountLine());
  }
  return null;
}

/** The name a form starts with: the account's when logged in. */
export function startName(remembered) {
  return me.logged_in && me.name ? me.name : remembered;
}
