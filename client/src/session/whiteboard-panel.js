// The whiteboard panel, loaded the first time it is shown (Excalidraw is large): its CSS,
// its fonts' path and the module. Read-only for observers and, once locked or ended, for
// everyone but the facilitator.
import { onTheme, theme } from "../lib/chrome.js";
import { announce, h, replaceChildren } from "../lib/dom.js";
import { language, onLanguage, t } from "../lib/i18n.js";
import { KEYS } from "../lib/model.js";
import { CanvasIdeas } from "./canvas-ideas.js";

export function readOnly(s, me) {
  return me.role === "observer" || s.ended || (s.locked && me.role !== "facilitator");
}

export class WhiteboardPanel {
  /** ctx: {board: openDocument() handle, awareness, store, assets: page data's assets,
   *        ideaBoard(): the IdeaBoard, whose rules and edit path the sticky notes share} */
  constructor(panel, ctx) {
    this.panel = panel;
    this.ctx = ctx;
    this.whiteboard = null;
    this.loading = null;
    this.lastViewport = 0;
    onLanguage((lang) => this.whiteboard?.setLanguage(lang));
    onTheme((value) => this.whiteboard?.setTheme(value));
    ctx.store.subscribe((what) => {
      if (what !== "session" && what !== "me") return;
      this.whiteboard?.setReadOnly(this.readOnly());
      this.whiteboard?.refresh();
      this.ideas?.render();
    });
  }

  readOnly() {
    return readOnly(this.ctx.store.state(), this.ctx.store.me);
  }

  setViewport(viewport) {
    this.whiteboard?.setViewport(viewport);
  }

  /** Loads the whiteboard (once); resolves when it is mounted. */
  show() {
    if (this.loading) return this.loading;
    const { assets, awareness, board, store } = this.ctx;
    this.panel.append(h("p", { class: "loading" }, t("session.loading")));
    if (assets?.whiteboardCss && !document.querySelector("link[data-whiteboard]")) {
      document.head.append(h("link", { rel: "stylesheet", href: assets.whiteboardCss, "data-whiteboard": "" }));
    }
    window.EXCALIDRAW_ASSET_PATH = assets?.excalidrawAssetPath || "/static/";
    this.loading = import("../whiteboard/whiteboard.js").then(async ({ mountWhiteboard }) => {
      await board.loaded;
      replaceChildren(this.panel, []);
      const host = h("div", { class: "whiteboard-host", id: "whiteboard" });
      this.ideas = new CanvasIdeas(board.doc, {
        place: (ids) => this.whiteboard?.place(ids) ?? 0, readOnly: () => this.readOnly() });
      this.panel.append(h("div", { class: "whiteboard-layout" }, host, this.ideas.node));
      this.whiteboard = mountWhiteboard(host, {
        doc: board.doc, awareness, elementsKey: KEYS.whiteboard, assetsKey: KEYS.whiteboardAssets,
        lang: language(), theme: theme(), readOnly: () => this.readOnly(), board: () => this.ctx.ideaBoard?.(),
        labels: { menu: t("whiteboard.menu"), dialog: t("whiteboard.dialog"), footer: t("whiteboard.footer") },
        onFileTooLarge: () => announce(t("whiteboard.too.large"), true),
        onViewport: (scrollX, scrollY, zoom) => {
          // The facilitator's viewport, for those who follow them.
          if (store.me.role !== "facilitator" || !awareness.getLocalState()?.follow) return;
          const now = performance.now();
          if (now - this.lastViewport < 150) return;
          this.lastViewport = now;
          awareness.setLocalStateField("viewport", { scrollX, scrollY, zoom: zoom.value });
        },
      });
      this.ctx.onMounted?.();
    });
    return this.loading;
  }
}
