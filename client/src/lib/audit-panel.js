// The facilitator's view of the session's audit trail (GET /api/sessions/SID/audit): a table
// of who did what with consequences, and when. Loaded on request (a button), 100 entries at a
// time ("Show more"); the trail never holds user text, and what it shows goes through
// textContent like everything else.
import { announce, h, replaceChildren } from "./dom.js";
import { language, t } from "./i18n.js";

const PAGE = 100;
const ROLES = ["facilitator", "participant", "observer", "system"];

function actionLabel(action) {
  const key = `audit.action.${action}`;
  const label = t(key);
  return label === key ? action : label;
}

function when(ms) {
  return new Date(Number(ms) || 0).toLocaleString(language(), {
    day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
}

function who(entry, me) {
  const role = ROLES.includes(entry.actor?.role) ? entry.actor.role : "system";
  const id = entry.actor?.participant_id;
  if (id && id === me) return t("audit.you");
  return id ? `${t(`audit.role.${role}`)} ${id.slice(0, 6)}` : t(`audit.role.${role}`);
}

export class AuditPanel {
  /** ctx: {api, me} (the session API bound to the facilitator's token, their id). */
  constructor(ctx) {
    this.ctx = ctx;
    this.entries = [];
    this.next = null;
    this.loaded = false;
    this.body = h("div", { class: "audit-body" });
    this.status = h("p", { class: "hint", role: "status" });
    this.node = h("section", { class: "card audit", "aria-labelledby": "console-audit" },
      h("h3", { id: "console-audit" }, t("audit.title")),
      h("p", { class: "hint" }, t("audit.hint")),
      h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", id: "audit-load", "data-focus-key": "audit-load", // a console render keeps the focus
        onclick: () => this.load(true) }, t("audit.load")),
      this.status,
      this.body);
  }

  async load(fromStart) {
    try {
      const after = fromStart ? 0 : this.next;
      const page = await this.ctx.api.call("GET", `/audit?after=${after}&limit=${PAGE}`);
      this.entries = fromStart ? page.entries : [...this.entries, ...page.entries];
      this.next = page.next_after;
      this.loaded = true;
      this.draw();
      this.status.textContent = t("audit.count", { count: String(this.entries.length) });
      announce(this.status.textContent);
    } catch (err) {
      this.status.textContent = t("error.generic", { message: err.message });
      announce(this.status.textContent, true);
    }
  }

  draw() {
    if (this.entries.length === 0) {
      replaceChildren(this.body, [h("p", {}, t("audit.empty"))]);
      return;
    }
    const table = h("table", { class: "audit-table" },
      h("caption", { class: "visually-hidden" }, t("audit.title")),
      h("thead", {}, h("tr", {}, ["audit.col.time", "audit.col.who", "audit.col.action", "audit.col.object"]
        .map((key) => h("th", { scope: "col" }, t(key))))),
      h("tbody", {}, this.entries.map((e) => h("tr", { dataset: { seq: String(e.seq), action: e.action } },
        h("td", {}, h("time", { datetime: new Date(Number(e.at) || 0).toISOString() }, when(e.at))),
        h("td", {}, who(e, this.ctx.me)),
        h("td", {}, actionLabel(e.action)),
        h("td", {}, `${e.object?.type ?? ""} ${String(e.object?.id ?? "").slice(0, 8)}`)))));
    replaceChildren(this.body, [
      h("div", { class: "audit-scroll", tabindex: "0", role: "region", "aria-labelledby": "console-audit" }, table),
      this.next !== null ? h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", id: "audit-more", "data-focus-key": "audit-more",
        onclick: () => this.load(false) }, t("audit.more")) : null,
    ]);
  }
}
