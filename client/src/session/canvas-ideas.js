// Beside the whiteboard: the ideas that are not on it yet, each with a button that places
// it as a sticky note, and one that places them all (a frame per cluster). Only ideas on
// the board are listed: a hidden idea is not in the board document until it is revealed.
// The idea board stays the accessible path to the same content (docs/accessibility.md).
import { announce, h, onNextFrame, replaceChildren } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import * as model from "../lib/model.js";

export class CanvasIdeas {
  /** ctx: {place(ideaIds) -> number placed, readOnly()} */
  constructor(doc, ctx) {
    this.doc = doc;
    this.ctx = ctx;
    this.body = h("div", { class: "canvas-ideas-body" });
    this.node = h("details", { class: "canvas-ideas", id: "canvas-ideas", open: true },
      h("summary", {}, t("whiteboard.ideas.title")), this.body);
    this.schedule = onNextFrame(() => this.render());
    doc.getMap(model.KEYS.ideas).observeDeep(this.schedule);
    doc.getArray(model.KEYS.whiteboard).observeDeep(this.schedule);
    this.render();
  }

  render() {
    const placed = model.placedIdeas(this.doc);
    const waiting = model.readIdeas(this.doc).filter((i) => !placed.has(i.id))
      .sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
    const readOnly = this.ctx.readOnly();
    replaceChildren(this.body, [
      h("p", { class: "hint" }, t("whiteboard.ideas.hint")),
      waiting.length
        ? h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action",
          disabled: readOnly, "data-focus-key": "place-all", onclick: () => this.place(waiting.map((i) => i.id)) },
        t("whiteboard.ideas.all", { n: waiting.length }))
        : h("p", { class: "empty" }, t("whiteboard.ideas.none")),
      h("ul", { class: "canvas-ideas-list", role: "list" }, waiting.map((idea) => h("li", { dataset: { idea: idea.id } },
        h("span", { class: "canvas-idea-text", id: `canvas-idea-${idea.id}` }, idea.text),
        h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", disabled: readOnly,
          "aria-describedby": `canvas-idea-${idea.id}`, onclick: () => this.place([idea.id]) },
        t("whiteboard.ideas.place"))))),
    ]);
  }

  place(ideaIds) {
    const n = this.ctx.place(ideaIds);
    if (!n) return;
    announce(t(n === 1 ? "whiteboard.ideas.placed.one" : "whiteboard.ideas.placed", { n }));
    // The button is gone with its idea: focus stays in the list.
    (this.body.querySelector("button:not([disabled])") || this.node.querySelector("summary")).focus();
  }
}
