// The session's hallway ("gang") in the facilitator console: whether it is open now, as the
// hallway's voice socket says (the server pushes every change: a round that starts closes it,
// the end opens it), and the button that opens or closes it.
import { announce, h, replaceChildren } from "./dom.js";
import { t } from "./i18n.js";

export class HallwayControl {
  /** set(open): the API call (PUT /api/sessions/{sid}/hallway); update(open) on every view. */
  constructor(set) {
    this.set = set;
    this.open = null; // not known until the socket's first view
    this.error = h("p", { class: "utrecht-form-field-error-message", hidden: true });
    this.node = h("section", { class: "card", id: "console-hallway-card", "aria-labelledby": "console-hallway" });
    this.render();
  }

  update(open) {
    if (open === this.open) return;
    this.open = open;
    this.render();
  }

  async toggle() {
    const open = !this.open;
    this.error.hidden = true;
    try {
      await this.set(open);
      announce(t(open ? "hallway.opened" : "hallway.closed"));
    } catch (err) {
      this.error.textContent = t("error.generic", { message: err.message || String(err) });
      this.error.hidden = false;
      announce(this.error.textContent, true);
    }
  }

  render() {
    const known = this.open !== null;
    const hadFocus = this.node.contains(document.activeElement);
    replaceChildren(this.node, [
      h("h3", { id: "console-hallway" }, t("hallway.title")),
      h("p", { id: "console-hallway-state" }, known ? t(this.open ? "hallway.opened" : "hallway.closed") : ""),
      h("p", { class: "hint" }, t("hallway.rule")),
      known ? h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", id: "console-hallway-toggle",
        "aria-describedby": "console-hallway-state", onclick: () => this.toggle() }, t(this.open ? "hallway.close" : "hallway.open")) : null,
      this.error,
    ]);
    if (hadFocus) this.node.querySelector("#console-hallway-toggle")?.focus();
  }
}
