// A small celebration when a round ends: a few shapes float up for a moment (nothing
// moves with prefers-reduced-motion: the words stay, still), then it is gone. Decoration
// only: hidden from screen readers, which hear the round's end from the banner.
import { h } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

const SHAPES = ["🎉", "✨", "☕", "👏", "🌟"];

export class Celebration {
  constructor() {
    this.lastState = new Map(); // round id -> state seen
  }

  /** Called with every new state; celebrates the step of a round from running to ended. */
  update(s) {
    const round = s.current;
    if (!round) return;
    const before = this.lastState.get(round.id);
    this.lastState.set(round.id, round.state);
    if ((before === "running" || before === "paused") && round.state === "ended") this.show();
  }

  show() {
    document.querySelector(".celebration")?.remove();
    const node = h("div", { class: "celebration", "aria-hidden": "true" },
      h("p", { class: "celebration-text" }, t("round.celebrate")),
      SHAPES.map((shape) => h("span", { class: "celebration-shape" }, shape)));
    document.body.append(node);
    // Its own fade ends it (also under reduced motion: a fade is no movement, and the Web
    // Animations API is not what app.css switches off), so the page keeps no timer
    // (tests/test_client_modules.py).
    node.animate([{ opacity: 1 }, { opacity: 1, offset: 0.8 }, { opacity: 0 }], { duration: 2500 })
      .finished.then(() => node.remove(), () => node.remove());
  }
}
