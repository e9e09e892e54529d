// The spotlight on one idea: the facilitator puts it there through the API (the server
// writes it into the control document, until the facilitator takes it out or the phase
// changes); every board shows that card marked and larger, the others muted (grayscale,
// never fainter text: contrast stays), scrolls it into view once and says so politely.
import { announce, h } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import * as model from "../lib/model.js";

export class Spotlight {
  /** board: the IdeaBoard (ctx.session(), ctx.me, ctx.api, ctx.board, list) */
  constructor(board) {
    this.board = board;
    this.shown = null; // the idea id the page last marked (and announced)
    this.scrolled = null; // the idea id last scrolled into view
  }

  lit() {
    return this.board.ctx.session().spotlight || null;
  }

  /** The card's mark, shown to everyone. */
  tag(idea) {
    return this.lit() === idea.id ? h("span", { class: "tag spotlight-tag" }, t("spotlight.tag")) : null;
  }

  /** The facilitator's toggle (among the card's actions, or alone while those are closed). */
  button(idea, textId) {
    const { ctx } = this.board;
    if (ctx.me.role !== "facilitator" || ctx.session().ended) return null;
    const on = this.lit() === idea.id;
    return h("button", { type: "button", class: "utrecht-button utrecht-button--subtle spotlight-toggle",
      "aria-pressed": on ? "true" : "false", "aria-describedby": textId, "data-focus-key": `spotlight-${idea.id}`,
      onclick: () => this.toggle(idea.id, on) }, t("spotlight.put"));
  }

  async toggle(ideaId, on) {
    const { api } = this.board.ctx;
    try {
      if (on) await api.call("DELETE", "/spotlight");
      else await api.call("PUT", "/spotlight", { idea_id: ideaId });
    } catch (err) {
      announce(t("error.generic", { message: err.message }), true);
    }
  }

  /** After every render of the board: mark the card, mute the rest, scroll and announce once. */
  apply() {
    const { list, ctx } = this.board;
    const id = this.lit();
    const card = id ? list.querySelector(`[data-idea="${CSS.escape(id)}"]`) : null;
    list.classList.toggle("spotlight-on", Boolean(card));
    card?.classList.add("spotlit");
    if (id !== this.shown) {
      const idea = id ? model.readIdeas(ctx.board).find((i) => i.id === id) : null;
      if (id && !idea) return; // not on this board yet: once it syncs
      if (id || this.shown) announce(id ? t("spotlight.on", { text: idea.text }) : t("spotlight.off"));
      this.shown = id;
    }
    if (card && this.scrolled !== id && !list.closest("[hidden]")) {
      this.scrolled = id;
      card.scrollIntoView({ block: "center" });
    }
    if (!id) this.scrolled = null;
  }
}
