// The idea board: add, edit and delete own ideas; colours; group ideas into clusters by drag
// and drop or with a keyboard (a select per idea); rename clusters; dot voting with the
// remaining budget always visible; sort by votes; undo and redo of own edits.
import { announce, h, replaceChildren } from "./dom.js";
import { language, t } from "./i18n.js";
import * as model from "./model.js";
import { remembered } from "./storage.js";

const WRITE_KINDS = new Set(["ideate", "brainwrite", "warmup", "discuss", "group"]);

/**
 * ctx: {
 *   board: Y.Doc, drafts: Y.Doc|null, me: {id, name, role}, session(): state (see state.js),
 *   vote(ideaId, count): Promise, awareness, api: sessionApi, online(): boolean
 * }
 *
 * Anonymous ideas (an anonymous session, or an anonymous round that is not hidden) go
 * through the API, and so do their author's edits: the server writes them into the board,
 * so no update carries the author's Yjs client id, which their awareness shows.
 */
export class IdeaBoard {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.sort = "time";
    this.editing = null; // {id, text}
    this.color = model.COLORS[0];
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

    this.toolbar = h("div", { class: "board-toolbar", role: "toolbar", "aria-label": t("board.ideas") });
    this.composer = h("form", { class: "composer", onsubmit: (e) => this.submit(e) });
    this.budget = h("p", { class: "budget", "aria-live": "polite", hidden: true });
    this.draftsList = h("section", { class: "drafts", hidden: true });
    this.list = h("div", { class: "clusters" });
    root.append(this.composer, this.budget, this.draftsList, this.toolbar, this.list);

    let scheduled = false;
    this.schedule = () => {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        this.render();
      });
    };
    ctx.board.getMap(model.KEYS.ideas).observeDeep((events, txn) => {
      this.announceNew(txn);
      this.schedule();
    });
    ctx.board.getMap(model.KEYS.clusters).observeDeep(() => this.schedule());
    this.renderComposer();
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

  // --- what the current phase allows -------------------------------------------------

  state() {
    return this.ctx.session();
  }

  canEditBoard() {
    const s = this.state();
    if (this.ctx.me.role === "observer" || s.ended) return false;
    return !s.locked || this.ctx.me.role === "facilitator";
  }

  canAdd() {
    if (!this.canEditBoard()) return false;
    const round = this.state().current;
    return !round || round.state !== "running" || WRITE_KINDS.has(round.kind);
  }

  /** New ideas are anonymous now (hidden rounds go to the drafts, revealed by the server). */
  anonymousNow() {
    const s = this.state();
    return Boolean(s.settings?.anonymous || s.current?.anonymous) && !this.hiddenRound();
  }

  /** An anonymous idea of mine: changed through the API, never through Yjs. */
  changedByServer(idea) {
    return !idea.author && this.own.has(idea.id);
  }

  hiddenRound() {
    const round = this.state().current;
    return Boolean(round && round.hidden && round.state !== "ended" && !round.revealed && this.ctx.drafts);
  }

  ratingRound() {
    const round = this.state().current;
    return round && round.kind === "rate" && round.state === "running" && this.ctx.me.role !== "observer"
      ? round : null;
  }

  votingRound() {
    const round = this.state().current;
    return round && round.kind === "vote" && round.state === "running" ? round : null;
  }

  // --- composer ------------------------------------------------------------------------

  renderComposer() {
    // Rebuilt only when what it offers changes: a rebuild would drop what the user is typing.
    const offline = this.anonymousNow() && !this.ctx.online?.();
    const mode = [this.canAdd(), this.hiddenRound(), this.ctx.me.role, language(), offline].join("|");
    if (mode === this.composerMode) return;
    this.composerMode = mode;
    const input = h("textarea", {
      id: "idea-text",
      rows: 2,
      maxlength: 500,
      class: "utrecht-textarea",
      placeholder: t("board.add.placeholder"),
      "data-focus-key": "composer",
      onkeydown: (e) => {
        if (e.key === "Enter" && !e.shiftKey) {
          e.preventDefault();
          this.composer.requestSubmit();
        }
      },
      oninput: (e) => this.ctx.setTyping?.(e.target.value.trim() !== ""),
      onblur: () => this.ctx.setTyping?.(false),
    });
    const swatches = h(
      "fieldset",
      { class: "swatches" },
      h("legend", {}, t("board.color")),
      model.COLORS.map((color) =>
        h(
          "label",
          { class: `swatch idea-${color}` },
          h("input", {
            type: "radio",
            name: "idea-color",
            value: color,
            checked: color === this.color,
            onchange: () => {
              this.color = color;
            },
          }),
          h("span", { class: "visually-hidden" }, t(`color.${color}`)),
        ),
      ),
    );
    const open = this.canAdd();
    if (!open) {
      // Nothing to write now (a voting round, a locked board, an observer): say why, and
      // leave out a field that cannot be used.
      replaceChildren(this.composer, [h("p", { class: "hint" },
        this.ctx.me.role === "observer" ? t("board.readonly") : t("board.add.closed"))]);
      return;
    }
    if (offline) {
      // Anonymous ideas are written by the server: without it they cannot be added.
      replaceChildren(this.composer, [h("p", { class: "hint", id: "composer-offline" }, t("board.add.needsConnection"))]);
      return;
    }
    replaceChildren(this.composer, [
      h("label", { for: "idea-text", class: "utrecht-form-label" }, t("board.add.label")),
      this.hiddenRound() ? h("p", { class: "hint hidden-hint" }, t("round.hidden")) : null,
      h("div", { class: "composer-row" }, input,
        h("button", { type: "submit", class: "utrecht-button utrecht-button--primary-action" }, t("board.add.submit"))),
      swatches,
    ]);
  }

  submit(event) {
    event.preventDefault();
    const input = this.composer.querySelector("textarea");
    if (!input) return;
    const text = input.value.trim();
    if (!text || !this.canAdd()) return;
    if (this.anonymousNow()) {
      this.submitAnonymous(input, text);
      return;
    }
    const target = this.hiddenRound() ? this.ctx.drafts : this.ctx.board;
    const s = this.state();
    const anonymous = Boolean(s.settings?.anonymous || s.current?.anonymous);
    const id = this.step(() => model.addIdea(target, {
      text,
      author: anonymous ? null : this.ctx.me.id,
      authorName: anonymous ? null : this.ctx.me.name,
      color: this.color,
      round: s.current?.id,
      sheet: target === this.ctx.drafts ? model.readSheet(target)?.id : undefined,
    }));
    this.own.add(id);
    remembered.setOwnIdeas(this.ctx.sid, [...this.own]);
    input.value = "";
    this.ctx.setTyping?.(false);
    announce(t("board.added"));
    input.focus();
  }

  async submitAnonymous(input, text) {
    const s = this.state();
    try {
      const idea = await this.ctx.api.addIdea(text, s.current?.state === "running" ? s.current.id : null, this.color);
      this.own.add(idea.id);
      remembered.setOwnIdeas(this.ctx.sid, [...this.own]);
      if (input.value.trim() === text) input.value = "";
      announce(t("board.added"));
      this.render();
    } catch (err) {
      announce(t("board.add.failed", { reason: err.message }));
    }
    input.focus();
  }

  /** Edit or delete an idea: anonymous ideas of mine through the API, the rest in Yjs. */
  changeIdea(idea, fields) {
    if (!this.changedByServer(idea)) {
      this.step(() => model.updateIdea(this.ctx.board, idea.id, fields));
      return;
    }
    this.ctx.api.editIdea(idea.id, fields).catch((err) => announce(t("board.add.failed", { reason: err.message })));
  }

  removeIdea(idea) {
    if (!this.changedByServer(idea)) {
      this.step(() => model.deleteIdea(this.ctx.board, idea.id));
    } else {
      this.ctx.api.deleteIdea(idea.id).catch((err) => announce(t("board.add.failed", { reason: err.message })));
    }
    announce(t("board.deleted"));
  }

  // --- toolbar -------------------------------------------------------------------------

  renderToolbar() {
    const editable = this.canEditBoard();
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
    this.list.querySelector(`[data-focus-key="cluster-title-${id}"]`)?.focus();
    return id;
  }

  // --- the list ------------------------------------------------------------------------

  /** Everything the board shows; a render that would show the same is skipped. */
  signature() {
    const s = this.state();
    const drafts = this.ctx.drafts;
    return JSON.stringify([
      model.readIdeas(this.ctx.board), model.readClusters(this.ctx.board),
      drafts ? [model.readIdeas(drafts), model.readSheet(drafts)] : null,
      s.current, s.tallies, s.myVotes, s.voteBudget, s.voteCap, s.myRatings, s.ratings,
      s.locked, s.ended, s.settings, this.sort, this.editing?.id, this.ctx.me.role, language(),
      this.own.size, this.undo.undoStack.length, this.undo.redoStack.length,
    ]);
  }

  render() {
    const signature = this.signature();
    if (signature === this.lastSignature) return;
    this.lastSignature = signature;
    // Once dots are published, the board sorts by them, until the user picks an order.
    if (!this.sortChosen && this.state().tallies) this.sort = "votes";
    this.renderComposer();
    this.renderToolbar();
    this.renderBudget();
    this.renderDrafts();
    const ideas = this.sorted(model.readIdeas(this.ctx.board));
    const clusters = model.readClusters(this.ctx.board);
    const clusterIds = new Set(clusters.map((c) => c.id));
    const sections = clusters.map((cluster) =>
      this.renderCluster(cluster, ideas.filter((i) => i.cluster === cluster.id), clusters));
    const loose = ideas.filter((i) => !i.cluster || !clusterIds.has(i.cluster));
    sections.push(this.renderCluster(null, loose, clusters));
    replaceChildren(this.list, [
      h("h2", { class: "visually-hidden" }, t("board.ideas")),
      ideas.length === 0 && clusters.length === 0 ? h("p", { class: "empty" }, t("board.empty")) : sections,
    ]);
  }

  sorted(ideas) {
    const votes = (i) => this.tally(i.id);
    if (this.sort === "votes") {
      return ideas.sort((a, b) => votes(b) - votes(a) || (a.created || 0) - (b.created || 0));
    }
    return ideas.sort((a, b) => (a.created || 0) - (b.created || 0) || a.id.localeCompare(b.id));
  }

  tally(id) {
    const s = this.state();
    return (s.tallies && s.tallies[id]) || 0;
  }

  renderCluster(cluster, ideas, clusters) {
    const editable = this.canEditBoard();
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
        if (this.dragged) this.step(() => this.moveIdea(this.dragged, cluster ? cluster.id : null));
      },
    }, header,
    h("ul", { class: "ideas", role: "list" }, ideas.map((idea) => this.renderIdea(idea, clusters))));
    return section;
  }

  renderIdea(idea, clusters) {
    const mine = this.isMine(idea);
    const s = this.state();
    const editable = this.canEditBoard();
    const canChangeOwn = editable && (mine || this.ctx.me.role === "facilitator");
    const textId = `idea-text-${idea.id}`;
    if (this.editing?.id === idea.id) return this.renderEditor(idea, textId);
    const author = s.settings?.anonymous || !idea.authorName
      ? null : h("span", { class: "idea-author" }, t("board.by", { name: idea.authorName }));
    const voting = this.votingRound();
    const tallyShown = !voting && s.tallies && idea.id in s.tallies;
    const li = h("li", {
      class: `idea idea-${model.COLORS.includes(idea.color) ? idea.color : "yellow"}`,
      draggable: editable ? "true" : "false",
      dataset: { idea: idea.id },
      ondragstart: (e) => { this.dragged = idea.id; e.dataTransfer.setData("text/plain", idea.id); },
      ondragend: () => { this.dragged = null; },
      ondragover: (e) => { if (this.dragged && this.dragged !== idea.id && editable) e.preventDefault(); },
      ondrop: (e) => {
        if (!this.dragged || this.dragged === idea.id) return;
        e.preventDefault();
        e.stopPropagation();
        this.step(() => this.dropOnIdea(this.dragged, idea));
      },
    },
    h("p", { class: "idea-text", id: textId }, idea.text),
    h("div", { class: "idea-meta" }, author,
      tallyShown ? h("span", { class: "idea-votes" }, t("board.votes", { n: this.tally(idea.id) })) : null),
    voting && this.ctx.me.role !== "observer" ? this.renderVote(idea, textId) : null,
    this.ratingRound() ? this.renderRating(idea, textId) : this.renderAverages(idea),
    h("div", { class: "idea-actions" },
      canChangeOwn ? h("button", { type: "button", class: "utrecht-button utrecht-button--subtle",
        "aria-describedby": textId, "data-focus-key": `edit-${idea.id}`,
        onclick: () => { this.editing = { id: idea.id, text: idea.text }; this.render(); this.list.querySelector(`#edit-${idea.id}`)?.focus(); } },
      t("board.edit")) : null,
      canChangeOwn ? h("button", { type: "button", class: "utrecht-button utrecht-button--subtle",
        "aria-describedby": textId, "data-focus-key": `delete-${idea.id}`,
        onclick: () => this.removeIdea(idea) },
      t("board.delete")) : null,
      editable ? this.renderMoveSelect(idea, clusters, textId) : null));
    return li;
  }

  renderEditor(idea, textId) {
    const area = h("textarea", { id: `edit-${idea.id}`, class: "utrecht-textarea", rows: 3, maxlength: 500,
      value: this.editing.text, "data-focus-key": `editor-${idea.id}`,
      oninput: (e) => { this.editing.text = e.target.value; },
      onkeydown: (e) => { if (e.key === "Escape") cancel(); } });
    const cancel = () => {
      this.editing = null;
      this.render();
      this.list.querySelector(`[data-focus-key="edit-${idea.id}"]`)?.focus();
    };
    const save = (e) => {
      e.preventDefault();
      const text = this.editing.text.trim();
      if (text) this.changeIdea(idea, { text });
      cancel();
    };
    return h("li", { class: `idea idea-${idea.color || "yellow"} editing`, dataset: { idea: idea.id } },
      h("form", { onsubmit: save },
        h("label", { for: `edit-${idea.id}`, class: "visually-hidden", id: textId }, t("board.edit")),
        area,
        h("div", { class: "idea-actions" },
          h("button", { type: "submit", class: "utrecht-button utrecht-button--primary-action" }, t("board.save")),
          h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", onclick: cancel }, t("board.cancel")))));
  }

  renderMoveSelect(idea, clusters, textId) {
    const id = `move-${idea.id}`;
    return h("span", { class: "move" },
      h("label", { for: id, class: "visually-hidden" }, `${t("board.move.label")}`),
      h("select", { id, class: "utrecht-select", "aria-describedby": textId, "data-focus-key": id,
        onchange: (e) => this.step(() => {
          let target = e.target.value;
          if (target === "__new__") target = this.newCluster();
          this.moveIdea(idea.id, target || null);
        }) },
      h("option", { value: "", selected: !idea.cluster }, t("board.move.none")),
      clusters.map((c) => h("option", { value: c.id, selected: idea.cluster === c.id }, c.title || "…")),
      h("option", { value: "__new__" }, `+ ${t("board.cluster.new")}`)));
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

  // --- rating (originality and feasibility, 1 to 5) -------------------------------------

  renderRating(idea, textId) {
    // Choices survive re-renders until both criteria are scored and sent.
    this.pendingRatings ??= {};
    const mine = { ...(this.state().myRatings?.[idea.id] || {}), ...(this.pendingRatings[idea.id] || {}) };
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
    const avg = this.state().ratings?.[idea.id];
    if (!avg) return null;
    const fmt = (n) => (Number.isFinite(Number(n)) ? Number(n).toFixed(1) : "–");
    return h("p", { class: "idea-ratings" },
      `${t("board.rate.originality")} ${fmt(avg.originality)} · ${t("board.rate.feasibility")} ${fmt(avg.feasibility)}`);
  }

  // --- voting --------------------------------------------------------------------------

  renderVote(idea, textId) {
    const s = this.state();
    const mine = (s.myVotes && s.myVotes[idea.id]) || 0;
    const left = this.votesLeft();
    const max = s.voteCap ?? this.votingRound()?.max_votes_per_idea ?? Infinity;
    const canVote = this.ctx.me.role !== "observer";
    return h("div", { class: "vote" },
      h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action vote-remove",
        "aria-label": t("board.vote.remove", { text: idea.text }), disabled: !canVote || mine === 0,
        "data-focus-key": `vote-remove-${idea.id}`, onclick: () => this.ctx.vote(idea.id, this.myDots(idea.id) - 1) }, "−"),
      h("span", { class: "vote-count", "aria-live": "polite" }, t("board.vote.mine", { n: mine }),
        h("span", { class: "dots", "aria-hidden": "true" }, "●".repeat(Math.min(mine, 10)))),
      h("button", { type: "button", class: "utrecht-button utrecht-button--primary-action vote-add",
        "aria-label": t("board.vote.add", { text: idea.text }), disabled: !canVote || left <= 0 || mine >= max,
        "aria-describedby": textId, "data-focus-key": `vote-add-${idea.id}`,
        onclick: () => this.ctx.vote(idea.id, this.myDots(idea.id) + 1) }, "+"));
  }

  myDots(ideaId) {
    return (this.state().myVotes && this.state().myVotes[ideaId]) || 0;
  }

  votesLeft() {
    const s = this.state();
    const round = this.votingRound();
    const budget = s.voteBudget ?? round?.vote_budget ?? s.settings?.vote_budget ?? 0;
    const used = Object.values(s.myVotes || {}).reduce((a, b) => a + b, 0);
    return budget - used;
  }

  renderBudget() {
    const round = this.votingRound();
    this.budget.hidden = !round || this.ctx.me.role === "observer";
    if (!round) return;
    const s = this.state();
    const budget = s.voteBudget ?? round.vote_budget ?? s.settings?.vote_budget ?? 0;
    const left = this.votesLeft();
    this.budget.textContent = left > 0 ? t("board.vote.left", { n: left, budget }) : t("board.vote.spent");
  }

  renderDrafts() {
    const drafts = this.ctx.drafts;
    const ideas = drafts ? model.readIdeas(drafts).sort((a, b) => (a.created || 0) - (b.created || 0)) : [];
    const sheet = drafts && this.hiddenRound() ? model.readSheet(drafts) : null;
    const inherited = Array.isArray(sheet?.ideas) ? sheet.ideas.filter((i) => typeof i?.text === "string") : [];
    this.draftsList.hidden = ideas.length === 0 && inherited.length === 0;
    replaceChildren(this.draftsList, [
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
          h("div", { class: "idea-actions" },
            h("button", { type: "button", class: "utrecht-button utrecht-button--subtle",
              "aria-describedby": `draft-${idea.id}`, disabled: !this.hiddenRound(),
              onclick: () => model.deleteIdea(drafts, idea.id) }, t("board.delete")))))),
    ]);
  }
}
