// The Koffiehoek's two forms before a space: open a new one, and drop in with a name.
import { accountGate, accountLine, startName } from "../lib/account.js";
import { api } from "../lib/api.js";
import { showError } from "../lib/chrome.js";
import { h, replaceChildren } from "../lib/dom.js";
import { language, t } from "../lib/i18n.js";
import { nameField } from "../lib/name-field.js";
import { remembered } from "../lib/storage.js";

export function renderCreate(app) {
  const gate = accountGate("create");
  if (gate) return replaceChildren(app, [gate]);
  const error = h("p", { class: "utrecht-form-field-error-message", role: "alert", tabindex: "-1", hidden: true });
  const submit = async (e) => {
    e.preventDefault();
    const form = e.target;
    const name = form.querySelector("#space-name").value.trim();
    const yourName = form.querySelector("#your-name").value.trim();
    if (!name || !yourName) return showError(error, t("space.error.names"));
    try {
      const created = await api("POST", "/spaces", { body: { name, your_name: yourName, language: language() } });
      remembered.setName(yourName);
      remembered.setSpace(created.id, { token: created.token, member_id: created.member_id });
      location.assign(`/k/${encodeURIComponent(created.id)}`);
    } catch (err) {
      showError(error, err);
    }
  };
  replaceChildren(app, [
    accountLine(),
    h("form", { class: "card create-form", onsubmit: submit, novalidate: true },
      h("h1", { class: "utrecht-heading-1" }, t("space.new.title")),
      h("p", {}, t("space.new.intro")),
      error,
      field("space-name", t("space.new.name"), h("input", { id: "space-name", class: "utrecht-textbox", maxlength: 80, required: true })),
      nameField({ id: "your-name", label: t("join.name"), value: startName(remembered.name()) }),
      h("button", { type: "submit", class: "utrecht-button utrecht-button--primary-action" }, t("space.new.submit"))),
  ]);
}

function field(id, label, input) {
  return h("div", { class: "utrecht-form-field" }, h("label", { for: id, class: "utrecht-form-label" }, label), input);
}

export function renderJoin(app, sid) {
  const gate = accountGate("join");
  if (gate) return replaceChildren(app, [gate]);
  const error = h("p", { class: "utrecht-form-field-error-message", role: "alert", tabindex: "-1", hidden: true });
  const title = h("p", { class: "session-title" });
  api("GET", `/spaces/${encodeURIComponent(sid)}/about`).then((about) => { title.textContent = about.name; }, () => {});
  const submit = async (e) => {
    e.preventDefault();
    const name = e.target.querySelector("#name").value.trim();
    if (!name) return showError(error, t("join.error.name"));
    try {
      const joined = await api("POST", `/spaces/${encodeURIComponent(sid)}/members`, { body: { name } });
      remembered.setName(name);
      remembered.setSpace(sid, { token: joined.token, member_id: joined.member_id });
      location.reload();
    } catch (err) {
      showError(error, err.status === 404 ? t("space.error.gone") : err);
    }
  };
  replaceChildren(app, [
    h("form", { class: "card join-form", onsubmit: submit, novalidate: true },
      h("h1", { class: "utrecht-heading-1" }, t("space.join.title")),
      title,
      error,
      nameField({ id: "name", label: t("join.name"), value: startName(remembered.name()) }),
      h("button", { type: "submit", class: "utrecht-button utrecht-button--primary-action" }, t("space.join.submit"))),
  ]);
}
