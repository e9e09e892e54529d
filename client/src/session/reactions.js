// Reactions: a row of emoji buttons; what anyone sends floats up on every screen for a
// moment (with prefers-reduced-motion it stands still and fades, as the celebration does).
//
// Sent through the API (the server rate-limits and names nobody), they arrive as an
// awareness state of the server's own on the control document: the top 2**24 client ids
// below 2**53 (server/sprankel/sync/awareness.py), whose state is
// {reactions: [[number, emoji], ...]}, the last seconds' reactions. Nothing of it is stored; a page shows each number once.
//
// Screen readers hear one polite summary per wave ("3 reactions: 👍 2, 🎉 1") when the
// wave's first reaction has faded, never one announcement per emoji.
import { announce, h, replaceChildren } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

export const REACTIONS = [
  ["👍", "thumbs"], ["❤️", "heart"], ["😂", "laugh"], ["🎉", "party"], ["💡", "idea"], ["🤔", "thinking"],
];
const SERVER_CLIENT_IDS = 2 ** 53 - 2 ** 24;
const SHOWN_AT_ONCE = 8; // a burst of the whole room stays readable
const DURATION_MS = 2500;

export class Reactions {
  /** ctx: {api: sessionApi, awareness: the control document's, canSend(): boolean} */
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.seen = new Map(); // server client id -> highest number shown
    this.wave = null; // Map emoji -> count, while a wave's summary is pending
    this.layer = h("div", { class: "reactions-layer", "aria-hidden": "true" });
    document.body.append(this.layer);
    ctx.awareness.on("change", ({ added, updated }) => {
      for (const id of [...added, ...updated]) if (id >= SERVER_CLIENT_IDS) this.arrived(id);
    });
  }

  render() {
    this.root.hidden = !this.ctx.canSend();
    replaceChildren(this.root, this.root.hidden ? [] : REACTIONS.map(([emoji, key]) =>
      h("button", { type: "button", class: "reaction-button", "data-focus-key": `react-${key}`,
        dataset: { emoji }, title: t(`reactions.${key}`), onclick: () => this.send(emoji) },
      h("span", { "aria-hidden": "true" }, emoji),
      h("span", { class: "visually-hidden" }, t(`reactions.${key}`)))));
    this.root.setAttribute("aria-label", t("reactions.label"));
  }

  async send(emoji) {
    try {
      await this.ctx.api.call("POST", "/reactions", { emoji });
    } catch (err) {
      announce(err.status === 429 ? t("reactions.slow") : t("error.generic", { message: err.message }));
    }
  }

  arrived(clientId) {
    const state = this.ctx.awareness.getStates().get(clientId);
    const list = Array.isArray(state?.reactions) ? state.reactions : [];
    const known = REACTIONS.map(([emoji]) => emoji);
    const last = this.seen.get(clientId) ?? 0;
    const fresh = list.filter((r) => Array.isArray(r) && Number(r[0]) > last && known.includes(r[1]));
    if (!fresh.length) return;
    this.seen.set(clientId, Math.max(...fresh.map((r) => Number(r[0]))));
    for (const [, emoji] of fresh) this.show(emoji);
  }

  show(emoji) {
    const node = h("span", { class: "reaction-float", style: { "--x": `${Math.round(Math.random() * 80)}%` } }, emoji);
    if (this.layer.childElementCount >= SHOWN_AT_ONCE) this.layer.firstElementChild.remove();
    this.layer.append(node);
    // Its own fade ends it (also under reduced motion: a fade is no movement), so the page
    // keeps no timer; the wave's first reaction carries the summary for screen readers.
    const first = !this.wave;
    if (first) this.wave = new Map();
    this.wave.set(emoji, (this.wave.get(emoji) || 0) + 1);
    const done = () => {
      node.remove();
      if (first) this.summarize();
    };
    node.animate([{ opacity: 1 }, { opacity: 1, offset: 0.7 }, { opacity: 0 }], { duration: DURATION_MS })
      .finished.then(done, done);
  }

  summarize() {
    const wave = this.wave;
    this.wave = null;
    if (!wave) return;
    const n = [...wave.values()].reduce((a, b) => a + b, 0);
    const list = [...wave].map(([emoji, count]) => (count > 1 ? `${emoji} ${count}` : emoji)).join(", ");
    announce(t(n === 1 ? "reactions.heard.one" : "reactions.heard", { n, list }));
  }
}
