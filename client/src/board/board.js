// The idea board: the composer, the author's drafts, a toolbar (new cluster, sort, undo and
// redo of own edits) and the ideas grouped into clusters (drag and drop, or a select per
// card for keyboard users; clusters are renamed in place). Cards: card.js; dots and
// ratings: ballot.js; what the phase allows: phase.js.
import { announce, h, onNextFrame, replaceChildren } from "../lib/dom.js";
import { language, t } from "../lib/i18n.js";
import * as model from "../lib/model.js";
import { remembered } from "../lib/storage.js";
import { Ballot } from "./ballot.js";
import { renderCard } from "./card.js";
import { Composer } from "./composer.js";
import { renderDrafts } from "./drafts.js";
import { canAdd, canArrange, emptyBoard, hiddenRound } from "./phase.js";
import { renderResults } from "./results.js";
import { Spotlight } from "./spotlight.js";

/**
 * ctx: {
 *   sid, synced: Promise, board: Y.Doc, drafts: Y.Doc|null, me: {id, name, role},
 *   session(): state (session/state.js), vote(ideaId, count), rate(ideaId, o, f),
 *   setTyping(typing), api: sessionApi, online(): boolean
 * }
 *
 * Anonymous ideas (an anonymous session, or an anonymous round that is not hidden) and
 * their author's edits go through the API (composer.js, card.js): the server writes them,
 * so no update carries the author's Yjs client id, which their awareness shows.
 */
export class IdeaBoard {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.sort = "time";
    this.editing = null; // {id, text}
    this.menuFor = null; // the idea whose actions are open (card.js)
    this.dragged = null;
    this.known = new Set(model.readIdeas(ctx.board).map((i) => i.id));
    // What arrives with the first sync was there before we came: not news to announce.
    this.quiet = true;
    Promise.resolve(ctx.synced).then(() => {
      for (const idea of model.readIdeas(ctx.board)) this.known.add(idea.id);
      this.quiet = false;
    });
    // Ideas this browser wrote: in anonymous rounds they carry no author, yet stay editable.
    this.own = new Set(remembered.ownIdeas(ctx.sid));
    this.undo = model.undoManager(ctx.board);
    this.undo.on("stack-item-added", () => this.renderToolbar());
    this.undo.on("stack-item-popped", () => this.renderToolbar());

    this.composerView = new Composer(this);
    this.composer = this.composerView.form;
    this.ballot = new Ballot(ctx);
    this.spotlight = new Spotlight(this);
    this.toolbar = h("div", { class: "board-toolbar", role: "toolbar", "aria-label": t("board.ideas") });
    this.draftsList = h("section", { class: "drafts", hidden: true });
    this.list = h("div", { class: "clusters" });
    this.results = h("section", { class: "board-results", "aria-label": t("results.title") });
    root.append(this.composer, this.ballot.budgetNode, this.draftsList, this.toolbar, this.results, this.list);

    this.schedule = onNextFrame(() => this.render());
    ctx.board.getMap(model.KEYS.ideas).observeDeep((events, txn) => {
      this.announceNew(txn);
      this.schedule();
    });
    ctx.board.getMap(model.KEYS.clusters).observeDeep(() => this.schedule());
    this.composerView.render();
    this.render();
  }

  setDrafts(drafts) {
    this.ctx.drafts = drafts;
    drafts?.getMap(model.KEYS.ideas).observeDeep(() => this.schedule());
    drafts?.getMap("sheet").observeDeep(() => this.schedule());
    this.schedule();
  }

  announceNew(txn) {
    if (txn.local || this.quiet) return;
    const fresh = model.readIdeas(this.ctx.board).filter((i) => !this.known.has(i.id));
    for (const idea of fresh) this.known.add(idea.id);
    if (fresh.length === 1) announce(t("board.new.idea", { text: fresh[0].text }));
    else if (fresh.length > 1) announce(`${fresh.length} ${t("board.ideas").toLowerCase()}`);
  }

  /** One user action = one undo step (Y.UndoManager would merge actions close in time). */
  step(fn) {
    if (this.stepping) return fn();
    this.stepping = true;
    this.undo.stopCapturing();
    try {
      return fn();
    } finally {
      this.undo.stopCapturing();
      this.stepping = false;
    }
  }

  isMine(idea) {
    return Boolean((idea.author && idea.author === this.ctx.me.id) || this.own.has(idea.id));
  }

  /** Remembers an idea this browser wrote (see `own`). */
  remember(id) {
    this.own.add(id);
    remembered.setOwnIdeas(this.ctx.sid, [...this.own]);
  }

  canAdd() {
    return canAdd(this.ctx.session(), this.ctx.me);
  }

  // --- toolbar -------------------------------------------------------------------------

  renderToolbar() {
    // Undo and redo take back edits and moves: not while dots or ratings are given either.
    const editable = canArrange(this.ctx.session(), this.ctx.me);
    replaceChildren(this.toolbar, [
      h("button", {
        type: "button", class: "utrecht-button utrecht-button--secondary-action",
        disabled: !editable, "data-focus-key": "new-cluster",
        onclick: () => this.newCluster(),
      }, t("board.cluster.new")),
      h("label", { for: "board-sort", class: "inline-label" }, t("board.sort")),
      h("select", { id: "board-sort", class: "utrecht-select", "data-focus-key": "sort",
        onchange: (e) => { this.sort = e.target.value; this.sortChosen = true; this.render(); } },
        h("option", { value: "time", selected: this.sort === "time" }, t("board.sort.time")),
        h("option", { value: "votes", selected: this.sort === "votes" }, t("board.sort.votes"))),
      h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", "data-focus-key": "undo",
        disabled: !editable || this.undo.undoStack.length === 0, onclick: () => this.undo.undo() }, t("board.undo")),
      h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", "data-focus-key": "redo",
        disabled: !editable || this.undo.redoStack.length === 0, onclick: () => this.undo.redo() }, t("board.redo")),
    ]);
  }

  newCluster() {
    const n = model.readClusters(this.ctx.board).length + 1;
    const id = this.step(() => model.addCluster(this.ctx.board, t("board.cluster.default", { n })));
    this.render();
    // The default name is selected: what the user types replaces it (not "Groep 1Koffie").
    const title = this.list.querySelector(`[data-focus-key="cluster-title-${id}"]`);
    title?.focus();
    title?.select?.();
    return id;
  }

  // --- the list ------------------------------------------------------------------------

  /** Everything the board shows; a render that would show the same is skipped. */
  signature() {
    const s = this.ctx.session();
    const drafts = this.ctx.drafts;
    return JSON.stringify([
      model.readIdeas(this.ctx.board), model.readClusters(this.ctx.board),
      drafts ? [model.readIdeas(drafts), model.readSheet(drafts)] : null,
      s.current, s.myHidden, s.agenda.map((r) => r.tallies), s.tallies, s.myVotes, s.voteBudget, s.voteCap, s.myRatings, s.ratings,
      s.locked, s.ended, s.settings, s.spotlight, this.sort, this.editing?.id, this.menuFor, this.ctx.me.role, language(),
      this.own.size, this.undo.undoStack.length, this.undo.redoStack.length,
    ]);
  }

  render() {
    const signature = this.signature();
    if (signature === this.lastSignature) return;
    this.lastSignature = signature;
    const s = this.ctx.session();
    // Once dots are published, the board sorts by them, until the user picks an order.
    if (!this.sortChosen && s.tallies) this.sort = "votes";
    this.composerView.render();
    this.renderToolbar();
    this.ballot.renderBudget();
    renderDrafts(this.draftsList, this.ctx.drafts, hiddenRound(s, Boolean(this.ctx.drafts)), s.myHidden);
    replaceChildren(this.results, [renderResults(s.agenda, model.readIdeas(this.ctx.board), "board")]);
    this.results.hidden = !this.results.firstChild;
    const ideas = this.sorted(model.readIdeas(this.ctx.board));
    const clusters = model.readClusters(this.ctx.board);
    const clusterIds = new Set(clusters.map((c) => c.id));
    const sections = clusters.map((cluster) =>
      this.renderCluster(cluster, ideas.filter((i) => i.cluster === cluster.id), clusters));
    const loose = ideas.filter((i) => !i.cluster || !clusterIds.has(i.cluster));
    sections.push(this.renderCluster(null, loose, clusters));
    replaceChildren(this.list, [
      h("h2", { class: "visually-hidden" }, t("board.ideas")),
      ideas.length === 0 && clusters.length === 0 ? h("p", { class: "empty" }, t(emptyBoard(s, this.ctx.me))) : sections,
    ]);
    this.spotlight.apply();
  }

  sorted(ideas) {
    const votes = (i) => this.tally(i.id);
    if (this.sort === "votes") {
      return ideas.sort((a, b) => votes(b) - votes(a) || (a.created || 0) - (b.created || 0));
    }
    return ideas.sort((a, b) => (a.created || 0) - (b.created || 0) || a.id.localeCompare(b.id));
  }

  tally(id) {
    const s = this.ctx.session();
    return (s.tallies && s.tallies[id]) || 0;
  }

  renderCluster(cluster, ideas, clusters) {
    const editable = canArrange(this.ctx.session(), this.ctx.me);
    const headingId = cluster ? `cluster-${cluster.id}` : "cluster-none";
    const header = cluster
      ? h("div", { class: "cluster-header" },
          h("h3", { id: headingId, class: "visually-hidden" }, cluster.title || ""),
          h("label", { for: `title-${cluster.id}`, class: "visually-hidden" }, t("board.cluster.name")),
          h("input", {
            id: `title-${cluster.id}`, class: "utrecht-textbox cluster-title", value: cluster.title || "",
            maxlength: 80, disabled: !editable, "data-focus-key": `cluster-title-${cluster.id}`,
            onchange: (e) => this.step(() => model.renameCluster(this.ctx.board, cluster.id, e.target.value.trim())),
            onkeydown: (e) => { if (e.key === "Enter") e.target.blur(); },
          }),
          h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", disabled: !editable,
            "data-focus-key": `cluster-del-${cluster.id}`,
            onclick: () => this.step(() => model.deleteCluster(this.ctx.board, cluster.id)) }, t("board.cluster.delete")))
      : h("h3", { id: headingId, class: "cluster-heading" }, t("board.unclustered"));
    const section = h("section", {
      class: cluster ? "cluster" : "cluster cluster-none",
      "aria-labelledby": headingId,
      dataset: { cluster: cluster ? cluster.id : "" },
      ondragover: (e) => { if (this.dragged && editable) { e.preventDefault(); section.classList.add("drop"); } },
      ondragleave: () => section.classList.remove("drop"),
      ondrop: (e) => {
        e.preventDefault();
        section.classList.remove("drop");
        if (this.dragged && editable) this.step(() => this.moveIdea(this.dragged, cluster ? cluster.id : null));
      },
    }, header,
    h("ul", { class: "ideas", role: "list" }, ideas.map((idea) => renderCard(this, idea, clusters))));
    return section;
  }

  moveIdea(ideaId, clusterId) {
    model.updateIdea(this.ctx.board, ideaId, { cluster: clusterId });
    const cluster = model.readClusters(this.ctx.board).find((c) => c.id === clusterId);
    announce(t("board.moved", { cluster: cluster ? cluster.title : t("board.move.none") }));
  }

  dropOnIdea(draggedId, target) {
    let clusterId = target.cluster;
    if (!clusterId) {
      clusterId = model.addCluster(this.ctx.board,
        t("board.cluster.default", { n: model.readClusters(this.ctx.board).length + 1 }));
      model.updateIdea(this.ctx.board, target.id, { cluster: clusterId });
    }
    this.moveIdea(draggedId, clusterId);
  }
}
