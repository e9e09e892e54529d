// One idea's card: its text, author, published dots and averages, the ballot of the
// running round, and behind one "more" button (a disclosure, so the board stays calm) edit
// and delete (own ideas; facilitators any) and the cluster select for keyboard users;
// dragging onto another card or cluster; the card's editor. While dots or ratings are
// given the card asks only for them: no more button, no dragging.
import { announce, h } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import * as model from "../lib/model.js";
import { canArrange, ratingRound, votingRound } from "./phase.js";

/** board: the IdeaBoard (ctx, ballot, editing, dragged, step(), render(), ...) */
export function renderCard(board, idea, clusters) {
  const { ctx, ballot } = board;
  const s = ctx.session();
  const editable = canArrange(s, ctx.me);
  const canChange = editable && (board.isMine(idea) || ctx.me.role === "facilitator");
  const textId = `idea-text-${idea.id}`;
  if (board.editing?.id === idea.id) return renderEditor(board, idea, textId);
  const author = s.settings?.anonymous || !idea.authorName
    ? null : h("span", { class: "idea-author", title: idea.authorName }, t("board.by", { name: idea.authorName }));
  const voting = votingRound(s);
  const tallyShown = !voting && s.tallies && idea.id in s.tallies;
  return h("li", {
    class: `idea idea-${model.COLORS.includes(idea.color) ? idea.color : "yellow"}`,
    draggable: editable ? "true" : "false",
    dataset: { idea: idea.id },
    ondragstart: (e) => { board.dragged = idea.id; e.dataTransfer.setData("text/plain", idea.id); },
    ondragend: () => { board.dragged = null; },
    ondragover: (e) => { if (board.dragged && board.dragged !== idea.id && editable) e.preventDefault(); },
    ondrop: (e) => {
      if (!board.dragged || board.dragged === idea.id || !editable) return;
      e.preventDefault();
      e.stopPropagation();
      board.step(() => board.dropOnIdea(board.dragged, idea));
    },
  },
  h("p", { class: "idea-text", id: textId }, idea.text),
  h("div", { class: "idea-meta" }, author,
    tallyShown ? h("span", { class: "idea-votes" }, t(board.tally(idea.id) === 1 ? "board.votes.one" : "board.votes", { n: board.tally(idea.id) })) : null),
  board.spotlight.tag(idea),
  voting && ctx.me.role !== "observer" ? ballot.renderVote(idea, textId) : null,
  ratingRound(s, ctx.me) ? ballot.renderRating(idea, textId) : ballot.renderAverages(idea),
  editable ? renderMore(board, idea, textId, [
    board.spotlight.button(idea, textId),
    canChange ? h("button", { type: "button", class: "utrecht-button utrecht-button--subtle",
      "aria-describedby": textId, "data-focus-key": `edit-${idea.id}`,
      onclick: () => {
        board.editing = { id: idea.id, text: idea.text };
        board.menuFor = null;
        board.render();
        board.list.querySelector(`#edit-${idea.id}`)?.focus();
      } },
    t("board.edit")) : null,
    canChange ? h("button", { type: "button", class: "utrecht-button utrecht-button--subtle",
      "aria-describedby": textId, "data-focus-key": `delete-${idea.id}`,
      onclick: () => { board.menuFor = null; removeIdea(board, idea); } },
    t("board.delete")) : null,
    renderMoveSelect(board, idea, clusters, textId),
  ]) : board.spotlight.button(idea, textId));
}

/** The card's actions behind one button: open on one card at a time, Escape closes it
 * and gives the focus back to the button. */
function renderMore(board, idea, textId, actions) {
  const open = board.menuFor === idea.id;
  const toggleKey = `more-${idea.id}`;
  const close = () => {
    board.menuFor = null;
    board.render();
    board.list.querySelector(`[data-focus-key="${toggleKey}"]`)?.focus();
  };
  return h("div", { class: "idea-more", onkeydown: (e) => { if (e.key === "Escape" && open) close(); } },
    h("button", {
      type: "button", class: "utrecht-button utrecht-button--subtle idea-more-toggle",
      "aria-expanded": open ? "true" : "false", "aria-controls": `actions-${idea.id}`,
      "aria-describedby": textId, "data-focus-key": toggleKey,
      onclick: () => { if (open) close(); else { board.menuFor = idea.id; board.render(); } },
    }, h("span", { "aria-hidden": "true" }, "⋯"), h("span", { class: "visually-hidden" }, t("board.more"))),
    h("div", { class: "idea-actions", id: `actions-${idea.id}`, hidden: !open }, actions));
}

/** An anonymous idea of mine: changed through the API, never through Yjs (whose update
 * would carry my client id, which my awareness shows next to my name). */
function changedByServer(board, idea) {
  return !idea.author && board.own.has(idea.id);
}

function failed(err) {
  announce(t("board.add.failed", { reason: err.message }));
}

export function changeIdea(board, idea, fields) {
  if (changedByServer(board, idea)) board.ctx.api.editIdea(idea.id, fields).catch(failed);
  else board.step(() => model.updateIdea(board.ctx.board, idea.id, fields));
}

function removeIdea(board, idea) {
  if (changedByServer(board, idea)) board.ctx.api.deleteIdea(idea.id).catch(failed);
  else board.step(() => model.deleteIdea(board.ctx.board, idea.id));
  announce(t("board.deleted"));
}

function renderEditor(board, idea, textId) {
  const area = h("textarea", { id: `edit-${idea.id}`, class: "utrecht-textarea", rows: 3, maxlength: 500,
    value: board.editing.text, "data-focus-key": `editor-${idea.id}`,
    oninput: (e) => { board.editing.text = e.target.value; },
    onkeydown: (e) => { if (e.key === "Escape") cancel(); } });
  const cancel = () => {
    board.editing = null;
    board.render();
    board.list.querySelector(`[data-focus-key="more-${idea.id}"]`)?.focus();
  };
  const save = (e) => {
    e.preventDefault();
    const text = board.editing.text.trim();
    if (text) changeIdea(board, idea, { text });
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

function renderMoveSelect(board, idea, clusters, textId) {
  const id = `move-${idea.id}`;
  return h("span", { class: "move" },
    h("label", { for: id, class: "visually-hidden" }, `${t("board.move.label")}`),
    h("select", { id, class: "utrecht-select", "aria-describedby": textId, "data-focus-key": id,
      onchange: (e) => board.step(() => {
        let target = e.target.value;
        if (target === "__new__") target = board.newCluster();
        board.moveIdea(idea.id, target || null);
      }) },
    h("option", { value: "", selected: !idea.cluster }, t("board.move.none")),
    clusters.map((c) => h("option", { value: c.id, selected: idea.cluster === c.id }, c.title || "…")),
    h("option", { value: "__new__" }, `+ ${t("board.cluster.new")}`)));
}
