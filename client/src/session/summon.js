// "Bring everyone here": the facilitator brings everyone's view, once, to their own place:
// the tab (idea board or whiteboard), the idea or cluster at the top of their board and the
// whiteboard's scroll and zoom. Unlike follow me (layout.js), everyone moves freely after.
//
// The same channel as follow me: the facilitator's awareness on the board document, whose
// `user.role` the server stamps (nobody else can pose as the facilitator). The place is a
// field `summon: {n, view, idea, viewport}`; a page jumps when `n` changes, never for the
// summon it found when it arrived (a late joiner is not pulled anywhere).
import { announce, h } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

/** Resolves once the whiteboard has its scene (whiteboard.js marks the host data-ready). */
function whenReady(host) {
  return new Promise((resolve) => {
    if (!host || host.dataset.ready) return resolve();
    const watch = new MutationObserver(() => {
      if (!host.dataset.ready) return;
      watch.disconnect();
      resolve();
    });
    watch.observe(host, { attributes: true, attributeFilter: ["data-ready"] });
  });
}

/** The first idea (else cluster) of the board that is in view: what the facilitator looks at. */
function placeOnBoard(panel) {
  if (panel.hidden) return null;
  const inView = (node) => {
    const rect = node.getBoundingClientRect();
    return rect.height > 0 && rect.bottom > 0 && rect.top < window.innerHeight;
  };
  const idea = [...panel.querySelectorAll("[data-idea]")].find(inView);
  if (idea) return { idea: idea.dataset.idea };
  const cluster = [...panel.querySelectorAll("[data-cluster]")].find(inView);
  return cluster ? { cluster: cluster.dataset.cluster } : null;
}

export class Summon {
  /** ctx: {store, awareness (the board's), layout: SessionLayout, whiteboard: WhiteboardPanel} */
  constructor(ctx) {
    this.ctx = ctx;
    this.seen = new Map(); // facilitator's client id -> the summon number seen last
    this.count = 0;
    this.button = h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action",
      id: "summon", onclick: () => this.send() });
    ctx.awareness.on("change", () => this.check());
    ctx.store.subscribe((what) => { if (what === "ui") this.render(); });
  }

  render() {
    const { store } = this.ctx;
    this.button.hidden = store.me.role !== "facilitator" || store.ui.view === "console";
    this.button.textContent = t("session.summon");
  }

  send() {
    const { awareness, layout, store, whiteboard } = this.ctx;
    const view = store.ui.view;
    const app = whiteboard.whiteboard?.api()?.getAppState();
    const viewport = app && !layout.wbPanel.hidden
      ? { scrollX: app.scrollX, scrollY: app.scrollY, zoom: app.zoom.value } : null;
    this.count += 1;
    awareness.setLocalStateField("summon", { n: this.count, view, viewport, ...placeOnBoard(layout.boardPanel) });
    announce(t("session.summon.sent"));
  }

  check() {
    const { awareness, store } = this.ctx;
    if (store.me.role === "facilitator") return;
    for (const [clientId, state] of awareness.getStates()) {
      if (state?.user?.role !== "facilitator") continue;
      const summon = Number.isFinite(state.summon?.n) ? state.summon : null;
      // The first sight of a facilitator is the baseline: a summon from before we came is old.
      if (!this.seen.has(clientId)) {
        this.seen.set(clientId, summon?.n ?? null);
        continue;
      }
      if (!summon || summon.n === this.seen.get(clientId)) continue;
      this.seen.set(clientId, summon.n);
      this.go(summon);
    }
  }

  async go(summon) {
    const { layout, whiteboard } = this.ctx;
    if (layout.views.includes(summon.view)) layout.select(summon.view, false);
    announce(t("session.summoned"));
    const key = typeof summon.idea === "string" ? ["data-idea", summon.idea]
      : typeof summon.cluster === "string" ? ["data-cluster", summon.cluster] : null;
    // A jump, not a glide: no motion to switch off, and nothing a re-render interrupts.
    if (key && !layout.boardPanel.hidden) {
      layout.boardPanel.querySelector(`[${key[0]}="${CSS.escape(key[1])}"]`)?.scrollIntoView({ block: "start" });
    }
    if (summon.viewport && !layout.wbPanel.hidden) {
      await whiteboard.show();
      await whenReady(document.getElementById("whiteboard"));
      whiteboard.setViewport(summon.viewport);
    }
  }
}
