// Home: create a session, then show the join link (with QR code) and the way to the console.
import { accountGate, accountLine, loadMe, startName } from "../lib/account.js";
import { api } from "../lib/api.js";
import { setupPage, showError } from "../lib/chrome.js";
import { announce, h, replaceChildren, safeHref } from "../lib/dom.js";
import { language, t } from "../lib/i18n.js";
import { nameField } from "../lib/name-field.js";
import { qrSvg } from "../lib/qr.js";
import { remembered } from "../lib/storage.js";

const root = document.getElementById("app");
await loadMe();
let created = null;
let form = { title: "", goal: "", name: startName(remembered.name()), language: language(), anonymous: false, share: false, vote_budget: 5 };

/** The IANA name of the browser's time zone (Europe/Amsterdam), if it has one. */
function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

function field(id, label, input, hint) {
  return h("div", { class: "utrecht-form-field" },
    h("label", { for: id, class: "utrecht-form-label" }, label),
    hint ? h("p", { class: "utrecht-form-field-description", id: `${id}-hint` }, hint) : null,
    input);
}

function renderForm() {
  const error = h("p", { class: "utrecht-form-field-error-message", id: "form-error", role: "alert", tabindex: "-1", hidden: true });
  const onInput = (key) => (e) => {
    form[key] = e.target.type === "checkbox" ? e.target.checked : e.target.value;
  };
  const submit = async (e) => {
    e.preventDefault();
    if (!form.title.trim()) {
      showError(error, t("home.error.title"));
      document.getElementById("title").setAttribute("aria-invalid", "true");
      return;
    }
    const button = e.target.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const body = (timezone) => ({
        title: form.title.trim(),
        goal: form.goal.trim() || undefined,
        facilitator_name: form.name.trim() || undefined,
        language: form.language,
        settings: {
          anonymous: form.anonymous,
          vote_budget: Number(form.vote_budget) || 5,
          participants_can_export: form.share,
          // The summary's times are the facilitator's: her browser knows her time zone.
          ...(timezone ? { timezone } : {}),
        },
      });
      const zone = browserTimeZone();
      try {
        created = await api("POST", "/sessions", { body: body(zone) });
      } catch (err) {
        // A zone the server's database does not know: create the session without one.
        if (!zone || !String(err.message).includes("timezone")) throw err;
        created = await api("POST", "/sessions", { body: body(null) });
      }
      if (form.name.trim()) remembered.setName(form.name.trim());
      remembered.setSession(created.id, {
        token: created.facilitator_token, role: "facilitator", name: form.name.trim() || remembered.name(),
        title: form.title.trim(), at: Date.now(),
      });
      render();
      announce(t("home.created"));
      document.getElementById("created-heading")?.focus();
    } catch (err) {
      button.disabled = false;
      showError(error, err);
    }
  };
  return h("form", { class: "card create-form", onsubmit: submit, novalidate: true },
    h("h1", { class: "utrecht-heading-1" }, t("home.title")),
    h("p", { class: "utrecht-paragraph" }, t("home.intro")),
    error,
    field("title", t("home.field.title"), h("input", { id: "title", class: "utrecht-textbox", required: true, maxlength: 200, value: form.title, autocomplete: "off", oninput: onInput("title") })),
    field("goal", t("home.field.goal"), h("textarea", { id: "goal", class: "utrecht-textarea", rows: 3, maxlength: 1000, value: form.goal, "aria-describedby": "goal-hint", oninput: onInput("goal") }), t("home.field.goal.hint")),
    nameField({ id: "your-name", label: t("home.field.name"), value: form.name, required: false,
      oninput: (value) => { form.name = value; } }),
    field("language", t("home.field.language"), h("select", { id: "language", class: "utrecht-select", onchange: onInput("language") },
      h("option", { value: "nl", selected: form.language === "nl" }, t("lang.nl")),
      h("option", { value: "en", selected: form.language === "en" }, t("lang.en")))),
    field("budget", t("home.field.budget"), h("input", { id: "budget", type: "number", min: 1, max: 20, class: "utrecht-textbox utrecht-textbox--number", value: String(form.vote_budget), oninput: onInput("vote_budget") })),
    h("div", { class: "utrecht-form-field utrecht-form-field--checkbox" },
      h("input", { id: "anonymous", type: "checkbox", class: "utrecht-checkbox", checked: form.anonymous, onchange: onInput("anonymous") }),
      h("label", { for: "anonymous", class: "utrecht-form-label utrecht-form-label--checkbox" }, t("home.field.anonymous"))),
    h("div", { class: "utrecht-form-field utrecht-form-field--checkbox" },
      h("input", { id: "share-summary", type: "checkbox", class: "utrecht-checkbox", checked: form.share, onchange: onInput("share") }),
      h("label", { for: "share-summary", class: "utrecht-form-label utrecht-form-label--checkbox" }, t("home.field.share"))),
    h("button", { type: "submit", class: "utrecht-button utrecht-button--primary-action" }, t("home.submit")),
    h("p", { class: "space-link" }, h("a", { href: "/k", class: "utrecht-link", id: "open-space" }, t("space.new.link"))));
}

export function absolute(link) {
  return safeHref(new URL(link, location.origin).toString()) || "/";
}

export function shareBlock(joinLink) {
  const url = absolute(joinLink);
  const status = h("span", { class: "copy-status", role: "status" });
  return h("div", { class: "share" },
    h("h2", { class: "utrecht-heading-2" }, t("home.share")),
    h("p", { class: "share-link" }, h("a", { href: url, id: "join-link", class: "utrecht-link" }, url)),
    h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", onclick: async () => {
      try {
        await navigator.clipboard.writeText(url);
        status.textContent = t("home.copied");
      } catch {
        status.textContent = url;
      }
    } }, t("home.copy")), " ", status,
    qrSvg(url, t("home.qr")));
}

function renderCreated() {
  const console = absolute(created.links?.facilitator || `/s/${created.id}/console#token=${created.facilitator_token}`);
  return h("section", { class: "card created", "aria-labelledby": "created-heading" },
    h("h1", { class: "utrecht-heading-1", id: "created-heading", tabindex: "-1" }, t("home.created")),
    shareBlock(created.links?.join || `/join/${created.id}?code=${created.join_code}`),
    h("h2", { class: "utrecht-heading-2" }, t("home.facilitator.link")),
    h("p", { class: "share-link" }, h("code", {}, console)),
    h("p", {}, h("a", { class: "utrecht-button-link utrecht-button-link--primary-action", id: "open-console", href: console }, t("home.open.console"))));
}

function renderRecent() {
  const sessions = remembered.sessions().filter((s) => s.title).slice(0, 8);
  if (!sessions.length) return null;
  return h("section", { class: "card recent", "aria-labelledby": "recent-heading" },
    h("h2", { class: "utrecht-heading-2", id: "recent-heading" }, t("home.recent")),
    h("ul", {}, sessions.map((s) => h("li", {},
      h("a", { class: "utrecht-link", href: s.role === "facilitator" ? `/s/${encodeURIComponent(s.id)}/console` : `/s/${encodeURIComponent(s.id)}` }, s.title),
      s.role === "facilitator" ? ` · ${t("presence.facilitator")}` : ""))));
}

function render() {
  replaceChildren(root, [accountLine(), created ? renderCreated() : [accountGate("create") || renderForm(), renderRecent()]]);
}

setupPage(render);
