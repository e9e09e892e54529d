// The facilitator's review of hidden ideas (console.js): hold back, release, merge
// duplicates and, once writing has closed, reveal one at a time.
import { h } from "./dom.js";
import { t } from "./i18n.js";

/**
 * The review of hidden ideas, round by round: hold back, release, merge duplicates, and
 * (once writing has closed) reveal one at a time; "reveal all" is the round's own button.
 */
export function renderModeration(s, api, run) {
  const hidden = Array.isArray(s.hiddenIdeas) ? s.hiddenIdeas : [];
  const rounds = s.agenda.filter((r) => hidden.some((i) => i.round_id === r.id));
  return h("section", { class: "card", "aria-labelledby": "console-moderation" },
    h("h3", { id: "console-moderation" }, t("console.moderation")),
    hidden.length === 0 ? h("p", {}, t("console.moderation.empty")) :
      rounds.map((round) => renderReview(api, run, round, hidden.filter((i) => i.round_id === round.id))));
}

function renderReview(api, run, round, ideas) {
  const post = (idea, what, body) => api.call("POST", `/ideas/${encodeURIComponent(idea.id)}/${what}`, body);
  const waiting = ideas.filter((i) => i.state === "waiting");
  const closed = round.state === "ended";
  const button = (idea, key, done, what) => h("button", {
    type: "button", class: "utrecht-button utrecht-button--subtle", "aria-describedby": `mod-${idea.id}`,
    dataset: { moderate: what }, onclick: () => run(`${what}:${idea.id}`, () => post(idea, what), t(done)),
  }, t(key));
  const mergeForm = (idea) => {
    const others = waiting.filter((o) => o.id !== idea.id);
    if (others.length === 0) return null;
    const select = h("select", { class: "utrecht-select", id: `merge-${idea.id}`, "aria-label": t("console.merge.into") },
      others.map((o) => h("option", { value: o.id }, o.text.slice(0, 60))));
    return h("span", { class: "merge" }, select,
      h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", dataset: { moderate: "merge" },
        "aria-describedby": `mod-${idea.id}`,
        onclick: () => run(`merge:${idea.id}`, () => post(idea, "merge", { into: select.value }), t("console.done.merge")) },
      t("console.merge")));
  };
  return h("div", { class: "review", dataset: { reviewRound: round.id } },
    h("h4", {}, round.prompt || t(`kind.${round.kind}`), " · ",
      t(round.revealed ? "console.review.held" : closed ? "console.review.closed" : "console.review.writing")),
    h("ul", { class: "moderation" }, ideas.map((idea) => h("li", { dataset: { hidden: idea.id, state: idea.state } },
      h("span", { id: `mod-${idea.id}` }, idea.text,
        idea.author_name ? h("span", { class: "hint" }, ` — ${idea.author_name}`) : null,
        h("span", { class: "hint" }, ` · ${t(`console.idea.${idea.state}`)}`)),
      h("span", { class: "moderation-actions" },
        idea.state === "waiting" ? [
          closed ? button(idea, "console.reveal.one", "console.done.reveal.one", "reveal") : null,
          button(idea, "console.holdback", "console.done.holdback", "hold"),
          mergeForm(idea),
        ] : idea.state === "merged" ? button(idea, "console.unmerge", "console.done.unmerge", "release")
          : button(idea, "console.release", "console.done.release", "release"))))));
}
