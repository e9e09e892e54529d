// The focused writing view for ideation rounds: full screen, the prompt, the timer and your
// own ideas of this round, nothing else. A modal <dialog>: focus stays inside, Escape closes.
import { h, replaceChildren } from "./dom.js";
import { t } from "./i18n.js";
import { RoundBanner } from "./timer.js";

export class WritingView {
  /**
   * options: {composer: the idea board's form (borrowed while open), home: where it goes back,
   *           session(): state, mine(): own ideas of this round, onClose()}
   */
  constructor(options) {
    this.options = options;
    this.dialog = h("dialog", { class: "writing", "aria-labelledby": "writing-title" });
    this.mineNode = h("ul", { class: "ideas", role: "list" });
    this.sheetNode = h("section", { class: "writing-sheet", hidden: true });
    this.timer = null;
    document.body.append(this.dialog);
    this.dialog.addEventListener("close", () => {
      this.timer?.destroy();
      this.timer = null;
      options.home.prepend(options.composer);
      options.onClose?.();
    });
  }

  open() {
    const banner = h("div", { class: "round-banner" });
    this.timer?.destroy();
    this.timer = new RoundBanner(banner, { soundToggle: false });
    replaceChildren(this.dialog, [
      h("div", { class: "writing-inner" },
        h("h2", { id: "writing-title", class: "visually-hidden" }, t("writing.title")),
        banner,
        this.sheetNode,
        this.options.composer,
        h("h3", {}, t("writing.mine")),
        this.mineNode,
        h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action",
          id: "close-writing", onclick: () => this.dialog.close() }, t("session.write.close"))),
    ]);
    this.dialog.showModal();
    this.update();
    this.dialog.querySelector("textarea")?.focus();
  }

  update() {
    if (!this.dialog.open) return;
    this.timer?.update(this.options.session());
    const sheet = this.options.sheet?.();
    const inherited = Array.isArray(sheet?.ideas) ? sheet.ideas.filter((i) => typeof i?.text === "string") : [];
    this.sheetNode.hidden = inherited.length === 0;
    replaceChildren(this.sheetNode, inherited.length ? [
      h("h3", {}, t("board.sheet", { n: (sheet.rotation ?? 0) + 1, of: (sheet.rotations ?? 0) + 1 })),
      h("ul", { class: "ideas sheet", role: "list" }, inherited.map((idea) =>
        h("li", { class: "idea idea-blue" }, h("p", { class: "idea-text" }, idea.text)))),
    ] : []);
    const mine = this.options.mine().sort((a, b) => (a.created || 0) - (b.created || 0));
    replaceChildren(this.mineNode, mine.map((idea) =>
      h("li", { class: `idea idea-${idea.color || "yellow"}` }, h("p", { class: "idea-text" }, idea.text))));
  }
}
