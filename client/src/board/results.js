// The ranked results of every vote round that published its dots, in the order the rounds
// ran: each round's own dots (never summed), its top N marked (ties included). The board
// and the console show the same list, so earlier rounds stay readable after a new vote.
import { h } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

/** The top N idea ids of a tally: those fewer than N ideas beat (as the summary counts). */
export function topIds(tallies, topN = 3) {
  const counts = Object.values(tallies).filter((n) => n > 0);
  return new Set(Object.entries(tallies)
    .filter(([, n]) => n > 0 && counts.filter((other) => other > n).length < topN)
    .map(([id]) => id));
}

/** Vote rounds with published dots, in the order they ran. */
export function votedRounds(agenda) {
  return agenda.filter((r) => r.kind === "vote" && r.tallies && Object.keys(r.tallies).length)
    .sort((a, b) => (a.started_at || 0) - (b.started_at || 0));
}

/** A list of sections, one per vote round, newest open; `ideas`: the board's ideas. */
export function renderResults(agenda, ideas, prefix) {
  const voted = votedRounds(agenda);
  if (voted.length === 0) return null;
  const text = new Map(ideas.map((i) => [i.id, i.text]));
  return h("div", { class: "results" }, voted.map((round, index) => {
    const top = topIds(round.tallies, round.top_n || 3);
    const ranked = Object.entries(round.tallies).filter(([id, n]) => n > 0 && text.has(id))
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return h("details", { class: "result", open: index === voted.length - 1, dataset: { resultRound: round.id } },
      h("summary", {}, t("results.round", { prompt: round.prompt || t(`kind.${round.kind}`) })),
      h("ol", { class: "ranking", id: `${prefix}-ranking-${round.id}` }, ranked.map(([id, n]) =>
        h("li", { dataset: { rankedIdea: id, top: top.has(id) ? "true" : "false" } },
          h("span", { class: "ranked-text" }, text.get(id)),
          ` — ${t(n === 1 ? "results.dots.one" : "results.dots", { n })}`,
          top.has(id) ? h("strong", { class: "top-mark" }, ` · ${t("results.top")}`) : null))));
  }));
}
