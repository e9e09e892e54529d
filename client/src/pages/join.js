// Join: ask for a display name (remembered), get a participant token, open the session.
import { accountGate, accountLine, loadMe, startName } from "../lib/account.js";
import { api } from "../lib/api.js";
import { setupPage, showError } from "../lib/chrome.js";
import { h, pageData, replaceChildren } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { nameField } from "../lib/name-field.js";
import { remembered } from "../lib/storage.js";

const data = pageData();
const root = document.getElementById("app");
const code = new URLSearchParams(location.search).get("code")
  || new URLSearchParams(location.hash.slice(1)).get("code") || data.code || "";
await loadMe();
let name = startName(remembered.name());
let observer = false;
// The session as the join link names it: its title, or that it has ended (then there is
// nothing to join and no name to ask for).
let about = null;
const asked = code
  ? api("GET", `/sessions/${encodeURIComponent(data.sid)}/about?code=${encodeURIComponent(code)}`)
    .then((found) => { about = found; }, (err) => { about = { missing: err.status === 404 || err.status === 403 }; })
  : Promise.resolve();

function renderEnded() {
  replaceChildren(root, [
    h("section", { class: "card join-form" },
      h("h1", { class: "utrecht-heading-1" }, about?.title || t("join.title")),
      h("p", { role: "status", id: "join-ended" }, t(about?.ended ? "join.ended" : "join.error.gone")),
      h("p", {}, h("a", { href: "/", class: "utrecht-link" }, t("join.home")))),
  ]);
}

function render() {
  if (about && (about.ended || about.missing)) {
    renderEnded();
    return;
  }
  const error = h("p", { class: "utrecht-form-field-error-message", role: "alert", tabindex: "-1", hidden: true });
  const submit = async (e) => {
    e.preventDefault();
    if (!name.trim()) {
      showError(error, t("join.error.name"));
      return;
    }
    const button = e.target.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const joined = await api("POST", `/sessions/${encodeURIComponent(data.sid)}/participants`, {
        body: { name: name.trim(), join_code: code, role: observer ? "observer" : "participant" },
      });
      remembered.setName(name.trim());
      remembered.setSession(data.sid, {
        token: joined.token, role: joined.role, participant_id: joined.participant_id, name: name.trim(),
      });
      location.assign(`/s/${encodeURIComponent(data.sid)}`);
    } catch (err) {
      button.disabled = false;
      if (err.status === 404 || err.status === 410) showError(error, t("join.error.gone"));
      else if (err.status === 401 || err.status === 403) showError(error, t("join.error.code"));
      else showError(error, err);
    }
  };
  const gate = accountGate("join");
  if (gate) return replaceChildren(root, [gate]);
  replaceChildren(root, [
    accountLine(),
    h("form", { class: "card join-form", onsubmit: submit, novalidate: true },
      h("h1", { class: "utrecht-heading-1" }, t("join.title")),
      about?.title ? h("p", { class: "session-title", id: "join-session-title" }, about.title) : null,
      error,
      nameField({ id: "name", label: t("join.name"), hint: t("join.name.hint"), value: name,
        oninput: (value) => { name = value; } }),
      h("div", { class: "utrecht-form-field utrecht-form-field--checkbox" },
        h("input", { id: "observer", type: "checkbox", class: "utrecht-checkbox", checked: observer, "data-focus-key": "observer",
          onchange: (e) => { observer = e.target.checked; } }),
        h("label", { for: "observer", class: "utrecht-form-label utrecht-form-label--checkbox" }, t("join.observer"))),
      h("button", { type: "submit", class: "utrecht-button utrecht-button--primary-action" }, t("join.submit"))),
  ]);
}

setupPage(render);
asked.then(() => render());
