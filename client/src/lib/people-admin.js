// Who is in a session or a Koffiehoek space, for the one who runs it: remove someone (with a
// confirmation: their token stops working, their ideas or messages stay) and, in a session,
// make a participant a co-facilitator or undo it. Buttons are real <button>s (keyboard), each
// described by the person's name; the outcome is announced.
import { announce, h, replaceChildren } from "./dom.js";
import { t } from "./i18n.js";

/**
 * kind: "session" | "space"; load(): [{id, name, role?, removed?, with_account?, creator?}];
 * remove(id), setFacilitator(id, on) (sessions only). Returns {node, refresh(), refreshSoon()}.
 */
export function peopleAdmin({ kind, load, remove, setFacilitator, selfId }) {
  const node = h("section", { class: "card people-admin", "aria-labelledby": `${kind}-people-admin` });
  const status = h("p", { class: "console-status", role: "status" });
  let people = [];

  const act = async (fn, done) => {
    try {
      await fn();
      status.textContent = done;
      announce(done);
    } catch (err) {
      status.textContent = t("error.generic", { message: err.message });
      announce(status.textContent, true);
    }
    await refresh();
  };

  function row(p) {
    const label = `people-${p.id}`;
    const facilitates = p.role === "facilitator";
    const tags = [
      facilitates ? t(p.creator ? "people.facilitator" : "people.cofacilitator") : null,
      p.role === "observer" ? t("people.observer") : null,
      kind === "session" ? t(p.with_account ? "people.account" : "people.guest") : null,
      p.removed ? t("people.removed") : null,
    ].filter(Boolean);
    const buttons = [];
    if (!p.removed && !p.creator && p.id !== selfId) {
      if (setFacilitator && p.role !== "observer") {
        buttons.push(h("button", {
          type: "button", class: "utrecht-button utrecht-button--subtle", "aria-describedby": label,
          dataset: { cofacilitator: p.id },
          onclick: () => act(() => setFacilitator(p.id, !facilitates),
            t(facilitates ? "people.cofacilitator.undone" : "people.cofacilitator.made", { name: p.name })),
        }, t(facilitates ? "people.cofacilitator.undo" : "people.cofacilitator.make")));
      }
      buttons.push(h("button", {
        type: "button", class: "utrecht-button utrecht-button--subtle", "aria-describedby": label,
        dataset: { remove: p.id },
        onclick: () => {
          if (!confirm(t(`people.remove.confirm.${kind}`, { name: p.name }))) return;
          act(() => remove(p.id), t("people.removed.done", { name: p.name }));
        },
      }, t("people.remove")));
    }
    return h("li", { dataset: { person: p.id } },
      h("span", { id: label }, p.name || t("presence.anonymous")),
      tags.length ? h("span", { class: "hint" }, ` · ${tags.join(" · ")}`) : null,
      ...buttons);
  }

  async function refresh() {
    try {
      people = await load();
    } catch {
      people = [];
    }
    replaceChildren(node, [
      h("h3", { id: `${kind}-people-admin`, class: "panel-title" }, t(`people.title.${kind}`)),
      status,
      h("ul", { class: "people-admin-list" }, people.map(row)),
    ]);
  }

  // Someone joined or left (awareness changed): read the list again, once for a burst.
  let timer = null;
  const refreshSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 1000);
  };
  refresh();
  return { node, refresh, refreshSoon };
}
