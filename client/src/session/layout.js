// The session page's frame: head, notices, round banner, the tabs (board, whiteboard and,
// for facilitators, the console; board and whiteboard side by side on a wide screen) and
// "follow me": participants follow the facilitator's view until they step out.
// The choices live in the store's `ui` (view, sideBySide, following); this view shows them.
import { h, replaceChildren } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { people } from "../lib/presence.js";
import { remembered } from "../lib/storage.js";

const PANEL = { class: "panel", role: "tabpanel", tabindex: "-1" };

export class SessionLayout {
  /** ctx: {store, awareness, facilitator: boolean, onSelect(name, byUser)} */
  constructor(app, ctx) {
    this.ctx = ctx;
    this.whiteboard = null; // the WhiteboardPanel, set by the page once made
    const store = ctx.store;
    const button = (id, kind) => h("button", { type: "button", class: `utrecht-button utrecht-button--${kind}`, id });
    this.banner = h("section", { class: "round-banner", "aria-label": t("round.timer.label"), id: "round-banner" });
    this.indicator = h("p", { class: "connection", id: "connection", role: "status" });
    this.followBar = h("div", { class: "follow-bar", hidden: true });
    this.boardPanel = h("section", { ...PANEL, id: "panel-board", "aria-labelledby": "tab-board" });
    this.wbPanel = h("section", { ...PANEL, class: "panel panel-whiteboard", id: "panel-whiteboard",
      "aria-labelledby": "tab-whiteboard", hidden: true });
    this.consolePanel = ctx.facilitator
      ? h("section", { ...PANEL, id: "panel-console", "aria-labelledby": "tab-console", hidden: true }) : null;
    this.presence = h("aside", { class: "presence-panel", "aria-labelledby": "presence-heading" });
    this.tabs = h("div", { class: "tabs", role: "tablist", "aria-label": t("session.views") });
    this.sideButton = button("side-by-side", "subtle");
    // Participants may take the summary home when the facilitator allows it.
    this.summaryButton = button("download-summary", "subtle");
    this.summaryButton.hidden = true;
    this.writeButton = button("open-writing", "secondary-action");
    // Reactions (session/reactions.js) and, for facilitators, "bring everyone here"
    // (summon.js): kept in view at the foot of the screen, wherever the board is scrolled.
    this.reactionsBar = h("div", { class: "reactions-bar", role: "group", id: "reactions", hidden: true });
    this.energyBar = h("div", { class: "energy-bar" }, this.reactionsBar);
    this.title = h("h1", { class: "session-title utrecht-heading-1" }, t("session.loading"));
    this.goal = h("p", { class: "session-goal", hidden: true });
    this.notice = h("p", { class: "notice", hidden: true, role: "status" });
    this.layout = h("div", { class: "session-layout" },
      h("div", { class: "panels" }, this.boardPanel, this.wbPanel, this.consolePanel),
      // The side column: who is here, then the hallway (pages/session.js), out of the work's way.
      h("div", { class: "session-side" }, this.presence));
    replaceChildren(app, [
      h("div", { class: "session-head" }, h("div", {}, this.title, this.goal), this.indicator),
      this.notice,
      this.banner,
      this.followBar,
      h("div", { class: "session-bar" }, this.tabs,
        h("div", { class: "session-bar-actions" }, this.summaryButton, this.sideButton, this.writeButton)),
      this.energyBar,
      this.layout,
    ]);
    this.views = ["board", "whiteboard", ...(this.consolePanel ? ["console"] : [])];
    store.subscribe((what) => {
      if (what === "ui") this.apply();
    });
    ctx.awareness.on("change", () => {
      this.applyFollow();
      this.renderFollow();
    });
  }

  tabViews() {
    const { sideBySide } = this.ctx.store.ui;
    return sideBySide ? this.views.filter((name) => name !== "whiteboard") : this.views;
  }

  renderTabs() {
    const { view, sideBySide } = this.ctx.store.ui;
    const shown = this.tabViews();
    replaceChildren(this.tabs, shown.map((name) => h("button", {
      type: "button", role: "tab", id: `tab-${name}`,
      "aria-controls": name === "board" && sideBySide ? "panel-board panel-whiteboard" : `panel-${name}`,
      "aria-selected": view === name ? "true" : "false", tabindex: view === name ? "0" : "-1",
      class: "tab", "data-focus-key": `tab-${name}`,
      onclick: () => this.select(name, true),
      onkeydown: (e) => {
        const i = shown.indexOf(name);
        const next = e.key === "ArrowRight" ? shown[(i + 1) % shown.length]
          : e.key === "ArrowLeft" ? shown[(i + shown.length - 1) % shown.length]
          : e.key === "Home" ? shown[0] : e.key === "End" ? shown[shown.length - 1] : null;
        if (next) {
          e.preventDefault();
          this.select(next, true);
          document.getElementById(`tab-${next}`)?.focus();
        }
      },
    }, name === "board" && sideBySide ? t("session.both") : t(`session.${name}`))));
    this.sideButton.textContent = t("session.side");
    this.sideButton.setAttribute("aria-pressed", sideBySide ? "true" : "false");
    this.sideButton.onclick = () => {
      const next = !this.ctx.store.ui.sideBySide;
      remembered.setSideBySide(next);
      this.ctx.store.setUi({ sideBySide: next });
      this.select(this.ctx.store.ui.view, true);
    };
  }

  select(name, byUser) {
    const { store } = this.ctx;
    const patch = {};
    if (byUser && store.me.role !== "facilitator" && this.followTarget()) patch.following = false;
    patch.view = store.ui.sideBySide && name === "whiteboard" ? "board" : name;
    store.setUi(patch);
    this.ctx.onSelect?.(patch.view, byUser);
  }

  /** Shows the store's choice of view. */
  apply() {
    const { store, awareness } = this.ctx;
    const { view, sideBySide } = store.ui;
    const both = sideBySide && view === "board";
    this.boardPanel.hidden = view !== "board";
    this.wbPanel.hidden = !(view === "whiteboard" || both);
    if (this.consolePanel) this.consolePanel.hidden = view !== "console";
    // The console has its own list of people; it gets the whole width.
    this.layout.classList.toggle("console-open", view === "console");
    this.layout.classList.toggle("side-by-side", both);
    // Over the canvas the fixed bar would hide Excalidraw's own controls: in the flow there.
    this.energyBar.classList.toggle("in-flow", view === "whiteboard");
    this.renderTabs();
    if (!this.wbPanel.hidden) this.whiteboard?.show();
    if (store.me.role === "facilitator" && awareness.getLocalState()?.view !== view) {
      awareness.setLocalStateField("view", view);
    }
    this.renderFollow();
  }

  followTarget() {
    return people(this.ctx.awareness).find((p) => p.role === "facilitator" && p.follow && !p.me) || null;
  }

  renderFollow() {
    const { store } = this.ctx;
    const target = store.me.role === "facilitator" ? null : this.followTarget();
    this.followBar.hidden = !target;
    if (!target) return;
    const { following } = store.ui;
    this.followBar.dataset.leaderView = target.view || "";
    replaceChildren(this.followBar, [
      h("span", {}, following ? t("session.follow") : ""),
      h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", id: "follow-toggle-me",
        onclick: () => {
          store.setUi({ following: !store.ui.following });
          this.applyFollow();
        } },
      following ? t("session.follow.stop") : t("session.follow.resume")),
    ]);
  }

  applyFollow() {
    const target = this.followTarget();
    const { following, sideBySide, view } = this.ctx.store.ui;
    if (!target || !following) return;
    const wanted = sideBySide && target.view === "whiteboard" ? "board" : target.view;
    if (wanted && this.views.includes(wanted) && wanted !== view) this.select(wanted, false);
    if (target.viewport) this.whiteboard?.setViewport(target.viewport);
  }
}
