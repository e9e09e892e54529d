// Who is here: the awareness states of the board document (names, colours, role, typing).
// The server replaces the `user` part of every state with its own (sync/awareness.py): what
// setLocalUser sets is shown only in this browser.
import { h, replaceChildren } from "./dom.js";
import { t } from "./i18n.js";

const PALETTE = [
  ["#b3261e", "#f9dedc"], ["#1d5fa8", "#d6e6fa"], ["#2e7d32", "#d7f0d8"], ["#8a4baf", "#eedcf7"],
  ["#a15c00", "#fbe3c4"], ["#00796b", "#cdeeea"], ["#ad1457", "#f9d3e3"], ["#4e5b6a", "#e0e6ec"],
];

export function colorFor(id) {
  let hash = 0;
  for (const ch of String(id)) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

export function setLocalUser(awareness, me) {
  const [color, colorLight] = colorFor(me.id);
  awareness.setLocalStateField("user", { id: me.id, name: me.name, role: me.role, color, colorLight });
}

export function people(awareness) {
  const byUser = new Map();
  for (const [clientId, state] of awareness.getStates()) {
    const user = state?.user;
    if (!user || typeof user !== "object") continue;
    // In anonymous sessions the server publishes no name and no id: one entry per client.
    const named = typeof user.name === "string" && user.name !== "";
    const key = (named && user.id) || `client-${clientId}`;
    const known = byUser.get(key);
    byUser.set(key, {
      id: key,
      name: named ? user.name : t("presence.anonymous"),
      role: user.role,
      color: typeof user.color === "string" && /^#[0-9a-f]{6}$/i.test(user.color) ? user.color : "#4e5b6a",
      typing: Boolean(state.typing) || Boolean(known?.typing),
      me: clientId === awareness.clientID || Boolean(known?.me),
      view: state.view,
      follow: state.follow,
      viewport: state.viewport,
    });
  }
  return [...byUser.values()].sort((a, b) => (b.role === "facilitator") - (a.role === "facilitator") || a.name.localeCompare(b.name));
}

export class PresenceList {
  constructor(root, awareness) {
    this.root = root;
    this.awareness = awareness;
    awareness.on("change", () => this.render());
    this.render();
  }

  render() {
    const list = people(this.awareness);
    replaceChildren(this.root, [
      h("h2", { class: "panel-title" }, t("presence.title"), " ",
        h("span", { class: "count" }, `(${list.length})`)),
      h("ul", { class: "presence", role: "list" }, list.map((p) =>
        h("li", { class: "person", dataset: { role: p.role || "participant" } },
          h("span", { class: "avatar", "aria-hidden": "true", style: { "--person-color": p.color } }, p.name.slice(0, 1).toUpperCase()),
          h("span", { class: "person-name", title: p.name }, p.name),
          p.me ? h("span", { class: "tag" }, t("presence.you")) : null,
          p.role === "facilitator" ? h("span", { class: "tag tag-facilitator" }, t("presence.facilitator")) : null,
          p.role === "observer" ? h("span", { class: "tag" }, t("presence.observer")) : null,
          p.typing ? h("span", { class: "typing" }, t("presence.typing")) : null))),
    ]);
  }
}
