// The author's hidden ideas of a hidden round (their drafts document) and, in
// brainwriting, the sheet in hand, on which they build.
import { h, replaceChildren } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import * as model from "../lib/model.js";

/**
 * Fills `root` from the drafts document; `open`: the hidden round still runs; `states`:
 * the server's word on each idea once writing has closed (my_hidden: waiting, held_back,
 * merged), so an author always sees what became of her idea.
 */
export function renderDrafts(root, drafts, open, states = []) {
  const stateOf = new Map(states.map((m) => [String(m.id), m.state]));
  const ideas = drafts ? model.readIdeas(drafts).sort((a, b) => (a.created || 0) - (b.created || 0)) : [];
  const sheet = drafts && open ? model.readSheet(drafts) : null;
  const inherited = Array.isArray(sheet?.ideas) ? sheet.ideas.filter((i) => typeof i?.text === "string") : [];
  root.hidden = ideas.length === 0 && inherited.length === 0;
  replaceChildren(root, [
    inherited.length ? [
      // `rotations` passes make rotations + 1 turns.
      h("h3", {}, t("board.sheet", { n: (sheet.rotation ?? 0) + 1, of: (sheet.rotations ?? 0) + 1 })),
      h("ul", { class: "ideas sheet", role: "list" }, inherited.map((idea) =>
        h("li", { class: "idea idea-blue" }, h("p", { class: "idea-text" }, idea.text)))),
    ] : null,
    h("h3", {}, t("board.drafts")),
    h("ul", { class: "ideas", role: "list" }, ideas.map((idea) =>
      h("li", { class: `idea idea-${idea.color || "yellow"}`, dataset: { draft: idea.id } },
        h("p", { class: "idea-text", id: `draft-${idea.id}` }, idea.text),
        !open && stateOf.has(idea.id) ? h("p", { class: `hint draft-state draft-${stateOf.get(idea.id)}`,
          dataset: { draftState: stateOf.get(idea.id) } }, t(`board.draft.${stateOf.get(idea.id)}`)) : null,
        open ? h("div", { class: "idea-actions" },
          h("button", { type: "button", class: "utrecht-button utrecht-button--subtle",
            "aria-describedby": `draft-${idea.id}`,
            onclick: () => model.deleteIdea(drafts, idea.id) }, t("board.delete"))) : null))),
  ]);
}
