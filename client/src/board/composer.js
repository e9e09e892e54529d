// The composer: the form that adds an idea (to the board, or to the author's drafts in a
// hidden round), with its colour. The writing view borrows the same form.
import { announce, h, replaceChildren } from "../lib/dom.js";
import { language, t } from "../lib/i18n.js";
import * as model from "../lib/model.js";
import { anonymousNow, canAdd, hiddenRound } from "./phase.js";

export class Composer {
  /** board: the IdeaBoard (its ctx, step() and remember()) */
  constructor(board) {
    this.board = board;
    this.color = model.COLORS[0];
    this.mode = null;
    this.form = h("form", { class: "composer", onsubmit: (e) => this.submit(e) });
  }

  get ctx() {
    return this.board.ctx;
  }

  render() {
    const s = this.ctx.session();
    const open = canAdd(s, this.ctx.me);
    const hidden = hiddenRound(s, Boolean(this.ctx.drafts));
    // Anonymous ideas are written by the server: without a connection they cannot be added.
    const offline = anonymousNow(s, Boolean(this.ctx.drafts)) && !this.ctx.online?.();
    // Rebuilt only when what it offers changes: a rebuild would drop what the user is typing.
    const mode = [open, hidden, this.ctx.me.role, language(), offline, s.ended, s.locked].join("|");
    if (mode === this.mode) return;
    this.mode = mode;
    this.form.classList.toggle("composer-closed", !open);
    this.form.hidden = false;
    if (!open) {
      // Nothing to write now (a voting round, an observer): say why, and leave out a field
      // that cannot be used. An ended or locked session's notice says why already.
      const why = this.ctx.me.role === "observer" ? t("board.readonly")
        : s.ended || s.locked ? null : t("board.add.closed");
      this.form.hidden = !why;
      replaceChildren(this.form, why ? [h("p", { class: "hint" }, why)] : []);
      return;
    }
    if (offline) {
      replaceChildren(this.form, [h("p", { class: "hint", id: "composer-offline" }, t("board.add.needsConnection"))]);
      return;
    }
    replaceChildren(this.form, [
      h("label", { for: "idea-text", class: "utrecht-form-label" }, t("board.add.label")),
      hidden ? h("p", { class: "hint hidden-hint" }, t("round.hidden")) : null,
      h("div", { class: "composer-row" }, this.input(),
        h("button", { type: "submit", class: "utrecht-button utrecht-button--primary-action" }, t("board.add.submit"))),
      this.swatches(),
    ]);
  }

  input() {
    return h("textarea", {
      id: "idea-text",
      rows: 2,
      maxlength: 500,
      class: "utrecht-textarea",
      placeholder: t("board.add.placeholder"),
      "data-focus-key": "composer",
      onkeydown: (e) => {
        if (e.key === "Enter" && !e.shiftKey) {
          e.preventDefault();
          this.form.requestSubmit();
        }
      },
      oninput: (e) => this.ctx.setTyping?.(e.target.value.trim() !== ""),
      onblur: () => this.ctx.setTyping?.(false),
    });
  }

  swatches() {
    return h("fieldset", { class: "swatches" },
      h("legend", {}, t("board.color")),
      model.COLORS.map((color) => h("label", { class: `swatch idea-${color}` },
        h("input", {
          type: "radio", name: "idea-color", value: color, checked: color === this.color,
          onchange: () => {
            this.color = color;
          },
        }),
        h("span", { class: "visually-hidden" }, t(`color.${color}`)))));
  }

  submit(event) {
    event.preventDefault();
    const input = this.form.querySelector("textarea");
    if (!input) return;
    const text = input.value.trim();
    const s = this.ctx.session();
    if (!text || !canAdd(s, this.ctx.me)) return;
    if (anonymousNow(s, Boolean(this.ctx.drafts))) {
      this.submitAnonymous(input, text);
      return;
    }
    const target = hiddenRound(s, Boolean(this.ctx.drafts)) ? this.ctx.drafts : this.ctx.board;
    const anonymous = Boolean(s.settings?.anonymous || s.current?.anonymous);
    const id = this.board.step(() => model.addIdea(target, {
      text,
      author: anonymous ? null : this.ctx.me.id,
      authorName: anonymous ? null : this.ctx.me.name,
      color: this.color,
      // Only a round that runs takes ideas: one written after its end is no part of it.
      round: s.current && (s.current.state === "running" || s.current.state === "paused") ? s.current.id : null,
      sheet: target === this.ctx.drafts ? model.readSheet(target)?.id : undefined,
    }));
    this.board.remember(id);
    input.value = "";
    this.ctx.setTyping?.(false);
    announce(t("board.added"));
    input.focus();
  }

  /** Anonymous ideas go through the API: the server writes them into the board, so no
   * update carries the author's Yjs client id, which their awareness shows. */
  async submitAnonymous(input, text) {
    const s = this.ctx.session();
    try {
      const idea = await this.ctx.api.addIdea(text, s.current?.state === "running" ? s.current.id : null, this.color);
      this.board.remember(idea.id);
      if (input.value.trim() === text) input.value = "";
      announce(t("board.added"));
      this.board.render();
    } catch (err) {
      announce(t("board.add.failed", { reason: err.message }));
    }
    input.focus();
  }
}
