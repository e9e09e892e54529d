// The ballot: dot voting (the remaining budget always visible, + and − per idea) and
// rating (originality and feasibility, 1 to 5), plus the published averages on a card.
import { announce, h } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { votingRound } from "./phase.js";

export class Ballot {
  /** ctx: the board's ctx (session(), me, vote(ideaId, count), rate(ideaId, o, f)) */
  constructor(ctx) {
    this.ctx = ctx;
    this.budgetNode = h("p", { class: "budget", "aria-live": "polite", hidden: true });
    // Rating choices survive re-renders until both criteria are scored and sent.
    this.pendingRatings = {};
  }

  myDots(ideaId) {
    const s = this.ctx.session();
    return (s.myVotes && s.myVotes[ideaId]) || 0;
  }

  budget() {
    const s = this.ctx.session();
    return s.voteBudget ?? votingRound(s)?.vote_budget ?? s.settings?.vote_budget ?? 0;
  }

  votesLeft() {
    const used = Object.values(this.ctx.session().myVotes || {}).reduce((a, b) => a + b, 0);
    return this.budget() - used;
  }

  renderBudget() {
    const round = votingRound(this.ctx.session());
    this.budgetNode.hidden = !round || this.ctx.me.role === "observer";
    if (!round) return;
    const left = this.votesLeft();
    this.budgetNode.textContent = left > 0
      ? t("board.vote.left", { n: left, budget: this.budget() }) : t("board.vote.spent");
  }

  renderVote(idea, textId) {
    const s = this.ctx.session();
    const mine = this.myDots(idea.id);
    const left = this.votesLeft();
    const max = s.voteCap ?? votingRound(s)?.max_votes_per_idea ?? Infinity;
    const canVote = this.ctx.me.role !== "observer";
    return h("div", { class: "vote" },
      h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action vote-remove",
        "aria-label": t("board.vote.remove", { text: idea.text }), disabled: !canVote || mine === 0,
        "data-focus-key": `vote-remove-${idea.id}`, onclick: () => this.ctx.vote(idea.id, this.myDots(idea.id) - 1) }, "−"),
      // Two short lines ("Jouw stippen" over "2 ●●"): one long line wrapped at its colon on a phone.
      h("span", { class: "vote-count", "aria-live": "polite" },
        h("span", { class: "vote-count-label" }, t("board.vote.mine")), " ",
        h("span", { class: "vote-count-n" }, String(mine),
          h("span", { class: "dots", "aria-hidden": "true" }, "●".repeat(Math.min(mine, 10))))),
      // Out of dots, "+" stays where the focus is (aria-disabled, not disabled): a disabled
      // button loses the focus, which then lands on "−", and the next Enter took a dot back.
      h("button", { type: "button", class: "utrecht-button utrecht-button--primary-action vote-add",
        "aria-label": t("board.vote.add", { text: idea.text }), disabled: !canVote,
        "aria-disabled": left <= 0 || mine >= max ? "true" : "false",
        "aria-describedby": textId, "data-focus-key": `vote-add-${idea.id}`,
        onclick: () => {
          if (this.votesLeft() <= 0 || this.myDots(idea.id) >= max) {
            announce(this.votesLeft() <= 0 ? t("board.vote.spent") : t("board.vote.max", { n: max }));
            return;
          }
          this.ctx.vote(idea.id, this.myDots(idea.id) + 1);
        } }, "+"));
  }

  renderRating(idea, textId) {
    const mine = { ...(this.ctx.session().myRatings?.[idea.id] || {}), ...(this.pendingRatings[idea.id] || {}) };
    const chosen = (this.pendingRatings[idea.id] = { ...mine });
    const select = (criterion) => {
      const id = `rate-${criterion}-${idea.id}`;
      return h("span", { class: "rate" },
        h("label", { for: id }, t(`board.rate.${criterion}`)),
        h("select", { id, class: "utrecht-select", "aria-describedby": textId, "data-focus-key": id,
          onchange: (e) => {
            chosen[criterion] = Number(e.target.value) || undefined;
            if (chosen.originality && chosen.feasibility) this.ctx.rate(idea.id, chosen.originality, chosen.feasibility);
          } },
        h("option", { value: "", selected: !mine[criterion] }, "–"),
        [1, 2, 3, 4, 5].map((n) => h("option", { value: String(n), selected: Number(mine[criterion]) === n }, String(n)))));
    };
    return h("div", { class: "rating" }, select("originality"), select("feasibility"));
  }

  renderAverages(idea) {
    const avg = this.ctx.session().ratings?.[idea.id];
    if (!avg) return null;
    const fmt = (n) => (Number.isFinite(Number(n)) ? Number(n).toFixed(1) : "–");
    return h("p", { class: "idea-ratings" },
      `${t("board.rate.originality")} ${fmt(avg.originality)} · ${t("board.rate.feasibility")} ${fmt(avg.feasibility)}`);
  }
}
