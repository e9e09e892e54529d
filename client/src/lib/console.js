// The facilitator console: agenda from templates, round controls (start, pause, resume,
// extend, end, reveal), moderation of hidden ideas, lock, follow me, exports (and the archive
// zip), the session's time zone; the review (moderation.js), notes (notes-panel.js), the
// audit trail (audit-panel.js), versions, people and the hallway (ctx.hallway, the page's).
import { roundLength, templates } from "./agenda-templates.js";
import { download } from "./api.js";
import { AuditPanel } from "./audit-panel.js";
import { announce, h, replaceChildren } from "./dom.js";
import { language, t } from "./i18n.js";
import { KEYS, readIdeas } from "./model.js";
import { renderModeration } from "./moderation.js";
import { renderNotes } from "./notes-panel.js";
import { peopleAdmin } from "./people-admin.js";
import { people } from "./presence.js";
import { qrSvg } from "./qr.js";
import { renderTimeZone } from "./timezone-form.js";
import { VersionsPanel } from "./versions.js";
import { renderResults } from "../board/results.js";

const KINDS = ["ideate", "brainwrite", "group", "rate", "vote", "discuss", "warmup"];

const ACTIONS = {
  planned: ["start"],
  running: ["pause", "extend", "end"],
  paused: ["resume", "extend", "end"],
  ended: ["reveal"],
};

export class Console {
  /**
   * ctx: {api, sid, me, token, session(), refresh(), board: Y.Doc, awareness, links(),
   *       follow: {get(), set(on)}, hallway}; the page calls update() when it changes.
   */
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.editing = null; // round id or "new"
    this.queue = Promise.resolve();
    this.pending = new Set(); // keys of the actions queued: what, and on which round or idea
    this.status = h("p", { class: "console-status", id: "console-status", role: "status" });
    ctx.board.getMap(KEYS.notes).observeDeep(() => this.drawNotes?.());
    ctx.awareness.on("change", () => this.renderPeople());
    this.peopleNode = h("section", { class: "card", "aria-labelledby": "console-people" });
    this.versions = new VersionsPanel({ api: ctx.api }); // keeps its own state across renders
    // Built once: what it loaded stays across re-renders of the console.
    this.audit = new AuditPanel({ api: ctx.api, me: ctx.me?.id });
    const base = "/participants";
    this.admin = peopleAdmin({
      kind: "session",
      selfId: ctx.me?.id,
      load: async () => (await ctx.api.call("GET", base)).participants,
      remove: (id) => ctx.api.call("DELETE", `${base}/${encodeURIComponent(id)}`),
      setFacilitator: (id, on) => ctx.api.call(on ? "PUT" : "DELETE", `${base}/${encodeURIComponent(id)}/facilitator`),
    });
    ctx.awareness.on("change", () => this.admin.refreshSoon());
    // Live: redrawn on every dot without rebuilding the console (which drops typing).
    this.progressNode = h("p", { class: "vote-progress", id: "vote-progress", "aria-live": "polite" });
    this.render();
  }

  /**
   * Runs the facilitator's actions one after another; `done` says what happened, in the
   * status line, once it has. The control document may show an action's result (a new
   * round's Start button) before its HTTP answer arrives, so a click meanwhile waits its
   * turn instead of being dropped; the same action on the same thing twice (one `key`) is one.
   */
  run(key, fn, done) {
    if (this.pending.has(key)) return this.queue;
    this.pending.add(key);
    this.queue = this.queue.then(async () => {
      try {
        await fn();
        this.status.textContent = done;
        // The caller's own share (hidden ideas, links); the control document brings the rest.
        this.ctx.refresh();
      } catch (err) {
        this.status.textContent = t("error.generic", { message: err.message });
        announce(this.status.textContent, true);
      } finally {
        this.pending.delete(key);
      }
    });
    return this.queue;
  }

  /** Re-renders when what the console shows changed (a rebuild drops what is being typed). */
  update() {
    if (this.shown() !== this.signature) this.render();
    this.renderProgress();
  }

  /** How many placed all, some or none of their dots: counts only, never who or what. */
  renderProgress() {
    const p = this.ctx.session().voteProgress;
    this.progressNode.hidden = !p;
    this.progressNode.textContent = p ? t("console.progress", { all: p.all, some: p.some, none: p.none, of: p.participants }) : "";
  }

  /** Everything the console shows but the notes and the people (they draw themselves). */
  shown() {
    const s = this.ctx.session();
    return JSON.stringify([s.agenda, s.current?.id, s.title, s.locked, s.ended, s.hiddenIdeas, s.settings,
      this.ctx.links(), this.ctx.follow.get(), this.editing, language()]);
  }

  render() {
    const s = this.ctx.session();
    this.signature = this.shown();
    replaceChildren(this.root, [
      h("h2", { class: "utrecht-heading-2", id: "console-heading" }, t("console.title")),
      this.status,
      h("div", { class: "console-grid" },
        this.renderAgenda(s),
        h("div", { class: "console-side" },
          this.renderShare(),
          this.renderSession(s),
          this.ctx.hallway?.node,
          renderModeration(s, this.ctx.api, (label, fn, done) => this.run(label, fn, done)),
          this.renderResults(s),
          this.renderExport(),
          this.audit.node,
          renderNotes(this.ctx, (draw) => { this.drawNotes = draw; }),
          this.versions.node,
          this.peopleNode,
          this.admin.node)),
    ]);
    this.renderPeople();
  }

  renderShare() {
    const join = this.ctx.links().join;
    if (!join) return null;
    const url = new URL(join, location.origin).toString();
    return h("section", { class: "card", "aria-labelledby": "console-share" },
      h("h3", { id: "console-share" }, t("console.share")),
      h("p", { class: "share-link" }, h("a", { href: url, class: "utrecht-link", id: "console-join-link" }, url)),
      qrSvg(url, t("home.qr")));
  }

  renderAgenda(s) {
    const tpl = templates();
    return h("section", { class: "card agenda", "aria-labelledby": "console-agenda" },
      h("h3", { id: "console-agenda" }, t("console.agenda")),
      s.agenda.length === 0 ? h("p", {}, t("console.agenda.empty")) : null,
      h("ol", { class: "rounds" }, s.agenda.map((round) => this.renderRound(round, s))),
      this.editing === "new" ? this.renderRoundForm(null) :
        h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", id: "add-round",
          onclick: () => { this.editing = "new"; this.render(); this.root.querySelector("#round-form-kind")?.focus(); } },
        t("console.round.add")),
      h("h4", {}, t("console.templates")),
      h("div", { class: "templates" }, Object.entries(tpl).map(([key, rounds]) =>
        h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", dataset: { template: key },
          onclick: () => this.run(t(`console.template.${key}`), async () => {
            for (const round of rounds) await this.ctx.api.addRound(round);
          }, t("console.done.template", { name: t(`console.template.${key}`) })) }, `+ ${t(`console.template.${key}`)}`))));
  }

  renderRound(round, s) {
    if (this.editing === round.id) return h("li", {}, this.renderRoundForm(round));
    const current = s.current?.id === round.id;
    const actions = [...(ACTIONS[round.state] || [])];
    if (round.state === "ended" && (!round.hidden || round.revealed)) actions.pop();
    // An ended session takes no more actions: no Start on a planned round.
    if (s.ended) actions.length = 0;
    const label = (a) => t(a === "reveal" && round.hidden ? "console.reveal.all" : `console.${a}`);
    return h("li", { class: current ? "round current" : "round", dataset: { round: round.id, state: round.state } },
      h("p", { class: "round-line" },
        h("strong", {}, t(`kind.${round.kind}`)), ` · ${roundLength(round)} · `,
        h("span", { class: `state state-${round.state}` }, t(`state.${round.state}`)),
        round.hidden ? ` · ${t("console.round.hidden")}` : ""),
      h("p", { class: "round-prompt-line" }, round.prompt),
      round.kind === "vote" && (round.state === "running" || round.state === "paused") ? this.progressNode : null,
      h("div", { class: "round-actions" },
        actions.map((action) => h("button", {
          type: "button", class: `utrecht-button ${action === "start" || action === "reveal" ? "utrecht-button--primary-action" : "utrecht-button--secondary-action"}`,
          dataset: { action }, "data-focus-key": `${action}-${round.id}`,
          onclick: () => this.run(`${action}:${round.id}`, () => this.ctx.api.roundAction(round.id, action, action === "extend" ? { seconds: 60 } : undefined), t(`console.done.${action}`)),
        }, label(action))),
        round.state === "planned" && !s.ended ? [
          this.moveButton(round, s, -1),
          this.moveButton(round, s, 1),
          h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", onclick: () => { this.editing = round.id; this.render(); } }, t("console.round.edit")),
          h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", onclick: () => this.run(`delete:${round.id}`, () => this.ctx.api.deleteRound(round.id), t("console.done.round.deleted")) }, t("console.round.delete")),
        ] : null));
  }

  /** Up (-1) or down (+1) one place in the agenda, with the keyboard focus kept on it. */
  moveButton(round, s, step) {
    const index = s.agenda.findIndex((r) => r.id === round.id);
    const to = index + step;
    const key = step < 0 ? "console.round.up" : "console.round.down";
    return h("button", {
      type: "button", class: "utrecht-button utrecht-button--subtle", dataset: { move: step < 0 ? "up" : "down" },
      "aria-label": t(key, { prompt: round.prompt || t(`kind.${round.kind}`) }),
      "aria-disabled": to < 0 || to >= s.agenda.length ? "true" : "false",
      onclick: () => {
        if (to < 0 || to >= s.agenda.length) return;
        this.run(`move:${round.id}:${to}`, () => this.ctx.api.call("POST", `/rounds/${round.id}/move`, { position: to }), t("console.done.round.moved"))
          .then(() => this.root.querySelector(`li[data-round="${round.id}"] [data-move="${step < 0 ? "up" : "down"}"]`)?.focus());
      },
    }, step < 0 ? "↑" : "↓");
  }

  renderRoundForm(round) {
    const values = round ? { ...round } : { kind: "ideate", prompt: "", duration_s: 300, hidden: false, anonymous: false, vote_budget: 3 };
    // Brainwriting's duration is per turn (one turn per sheet holder): the label says so.
    const durationLabel = () => t(values.kind === "brainwrite" ? "console.round.duration.turn" : "console.round.duration");
    const minutesLabel = h("label", { for: "round-form-minutes", class: "utrecht-form-label", id: "round-form-minutes-label" }, durationLabel());
    const set = (key) => (e) => {
      values[key] = e.target.type === "checkbox" ? e.target.checked : e.target.value;
      if (key === "kind") minutesLabel.textContent = durationLabel();
    };
    const save = (e) => {
      e.preventDefault();
      const body = {
        kind: values.kind, prompt: String(values.prompt).trim(), duration_s: Math.round(Number(values.minutes ?? values.duration_s / 60) * 60) || 60,
        hidden: Boolean(values.hidden), anonymous: Boolean(values.anonymous),
      };
      if (values.hidden || values.kind === "brainwrite") body.auto_reveal = Boolean(values.auto_reveal);
      if (values.kind === "vote") {
        body.vote_budget = Number(values.vote_budget) || 3;
        body.top_n = Number(values.top_n) || 3;
      }
      this.editing = null;
      this.run(t("console.round.save"), () => round ? this.ctx.api.updateRound(round.id, body) : this.ctx.api.addRound(body), t("console.done.round.saved"));
    };
    return h("form", { class: "round-form", onsubmit: save },
      h("label", { for: "round-form-kind", class: "utrecht-form-label" }, t("console.round.kind")),
      h("select", { id: "round-form-kind", class: "utrecht-select", onchange: set("kind") },
        KINDS.map((k) => h("option", { value: k, selected: values.kind === k }, t(`kind.${k}`)))),
      h("label", { for: "round-form-prompt", class: "utrecht-form-label" }, t("console.round.prompt")),
      h("input", { id: "round-form-prompt", class: "utrecht-textbox", value: values.prompt, maxlength: 300, oninput: set("prompt") }),
      minutesLabel,
      h("input", { id: "round-form-minutes", type: "number", min: 1, max: 120, class: "utrecht-textbox utrecht-textbox--number", value: String(Math.max(1, Math.round(values.duration_s / 60))), oninput: set("minutes") }),
      h("label", { for: "round-form-budget", class: "utrecht-form-label" }, t("console.round.budget")),
      h("input", { id: "round-form-budget", type: "number", min: 1, max: 20, class: "utrecht-textbox utrecht-textbox--number", value: String(values.vote_budget ?? 3), oninput: set("vote_budget") }),
      h("label", { for: "round-form-top", class: "utrecht-form-label" }, t("console.round.top")),
      h("input", { id: "round-form-top", type: "number", min: 1, max: 50, class: "utrecht-textbox utrecht-textbox--number", value: String(values.top_n ?? 3), oninput: set("top_n") }),
      h("div", { class: "checks" },
        h("label", {}, h("input", { type: "checkbox", id: "round-hidden", checked: Boolean(values.hidden), onchange: set("hidden") }), " ", t("console.round.hidden")),
        h("label", {}, h("input", { type: "checkbox", id: "round-auto-reveal", checked: Boolean(values.auto_reveal), onchange: set("auto_reveal") }), " ", t("console.round.auto_reveal")),
        h("label", {}, h("input", { type: "checkbox", id: "round-anonymous", checked: Boolean(values.anonymous), onchange: set("anonymous") }), " ", t("console.round.anonymous"))),
      h("div", { class: "round-actions" },
        h("button", { type: "submit", class: "utrecht-button utrecht-button--primary-action" }, t("console.round.save")),
        h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", onclick: () => { this.editing = null; this.render(); } }, t("board.cancel"))));
  }

  renderSession(s) {
    const follow = this.ctx.follow.get();
    return h("section", { class: "card", "aria-labelledby": "console-session" },
      h("h3", { id: "console-session" }, s.title),
      h("div", { class: "round-actions" },
        h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", id: "lock-toggle", disabled: s.ended,
          "aria-pressed": s.locked ? "true" : "false",
          onclick: () => this.run(t(s.locked ? "console.unlock" : "console.lock"), () => (s.locked ? this.ctx.api.unlock() : this.ctx.api.lock()), t(s.locked ? "console.done.unlock" : "console.done.lock")) },
        t(s.locked ? "console.unlock" : "console.lock")),
        h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", id: "follow-toggle",
          "aria-pressed": follow ? "true" : "false",
          onclick: () => { this.ctx.follow.set(!follow); this.render(); } },
        t(follow ? "console.follow.stop" : "console.follow")),
        h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", id: "end-session", disabled: s.ended,
          onclick: () => { if (confirm(t("console.end.confirm"))) this.run(t("console.end.session"), () => this.ctx.api.end(), t("console.done.session.ended")); } },
        t("console.end.session")),
        h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", id: "delete-session",
          onclick: () => { if (confirm(t("console.delete.confirm"))) this.run(t("console.delete"), async () => { await this.ctx.api.call("DELETE", ""); location.assign("/"); }, t("console.done.session.deleted")); } },
        t("console.delete"))),
      renderTimeZone(s, this.ctx.api, (label, fn, done) => this.run(label, fn, done)));
  }

  renderResults(s) {
    const results = renderResults(s.agenda, readIdeas(this.ctx.board), "console");
    if (!results) return null;
    return h("section", { class: "card", "aria-labelledby": "console-results" },
      h("h3", { id: "console-results" }, t("results.title")), results);
  }

  renderExport() {
    const exportFile = (format) => this.run(t(`console.export.${format}`), () =>
      download(`/api/sessions/${encodeURIComponent(this.ctx.sid)}/export.${format}`, this.ctx.token, `sprankel.${format}`), t("console.done.export", { format: t(`console.export.${format}`) }));
    return h("section", { class: "card", "aria-labelledby": "console-export" },
      h("h3", { id: "console-export" }, t("console.export")),
      h("div", { class: "round-actions" }, ["md", "json", "csv", "zip"].map((format) =>
        h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", dataset: { export: format },
          onclick: () => exportFile(format) }, t(`console.export.${format}`)))));
  }

  renderPeople() {
    // In anonymous sessions awareness names nobody; the server tells facilitators who is here.
    const s = this.ctx.session();
    const named = s.settings?.anonymous && Array.isArray(s.raw?.presence)
      ? s.raw.presence.map((p) => ({ name: String(p.name ?? ""), role: p.role })) : null;
    const list = named || people(this.ctx.awareness);
    replaceChildren(this.peopleNode, [
      h("h3", { id: "console-people" }, t("console.people"), ` (${list.length})`),
      h("ul", {}, list.map((p) => h("li", {}, p.name, p.role === "facilitator" ? ` · ${t("presence.facilitator")}` : ""))),
    ]);
  }
}
