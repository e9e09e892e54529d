// Ideas on the whiteboard: a sticky note is a rectangle with bound text whose customData
// names its idea ({ideaId}); a frame with customData {clusterId} is a cluster. The idea is
// the truth: every browser draws a sticky's text from its idea (locally, without writing),
// and an edit made on the canvas is written to the idea, through the board's own path
// (card.js changeIdea: Yjs, or the API for one's own anonymous idea), never into the
// element. Moving a sticky into a frame sets the idea's cluster; out of it clears it;
// renaming a frame renames its cluster; an idea moved to another group on the board moves its
// sticky (follow.js). Deleting a sticky removes it from the canvas only.
import { CaptureUpdateAction, convertToExcalidrawElements, getCommonBounds, newElementWith, restoreElements }
  from "@excalidraw/excalidraw";
import { changeIdea } from "../board/card.js";
import { votingRound } from "../board/phase.js";
import { announce } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import * as model from "../lib/model.js";
import { followClusters } from "./follow.js";

const WIDTH = 220;
const HEIGHT = 140;
const GAP = 24;
const PER_ROW = 4;
const MAX_TEXT = 500;
const FILL = { yellow: "#fff3bf", green: "#d3f9d8", blue: "#d0ebff", pink: "#fcc2d7", orange: "#ffd8a8", purple: "#e5dbff" };

export const ideaOf = (el) => model.stickyIdea(el);
const clusterOf = (el) => (typeof el?.customData?.clusterId === "string" ? el.customData.clusterId : null);

export class Stickies {
  /** binding: WhiteboardBinding; board(): the IdeaBoard (its rules and its edit path) */
  constructor(api, doc, binding, board) {
    this.api = api;
    this.doc = doc;
    this.binding = binding;
    this.board = board;
    this.pending = new Set(); // sticky texts edited here, written to the idea when the editor closes
    this.scheduled = false;
    this.onData = () => this.schedule();
    doc.getMap(model.KEYS.ideas).observeDeep(this.onData);
    doc.getMap(model.KEYS.clusters).observeDeep(this.onData);
    binding.holdBack = (el) => this.holdBack(el);
    binding.onRemote = () => this.schedule();
    binding.onWrite = (changed) => this.onWrite(changed);
    binding.onLocalChange = (appState) => this.flush(appState);
    this.render();
  }

  destroy() {
    this.doc.getMap(model.KEYS.ideas).unobserveDeep(this.onData);
    this.doc.getMap(model.KEYS.clusters).unobserveDeep(this.onData);
  }

  // Rendering runs outside Excalidraw's onChange (it updates the scene itself).
  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.render();
    });
  }

  ideas() {
    return new Map(model.readIdeas(this.doc).map((i) => [i.id, i]));
  }

  /** What a sticky says: its idea's text (and its published dots), or that the idea is gone. */
  expected(box, ideas) {
    const idea = ideas.get(ideaOf(box));
    return idea ? idea.text + this.dots(idea) : t("whiteboard.sticky.gone");
  }

  /** The dots line under the text, as the board's card shows them (none while voting runs). */
  dots(idea) {
    const board = this.board();
    const s = board?.ctx.session();
    if (!s || votingRound(s) || !s.tallies || !(idea.id in s.tallies)) return "";
    const n = board.tally(idea.id);
    return `\n\n● ${t(n === 1 ? "board.votes.one" : "board.votes", { n })}`;
  }

  container(el, scene) {
    if (el.type !== "text" || !el.containerId) return null;
    const box = scene.get(el.containerId);
    return box && ideaOf(box) ? box : null;
  }

  sceneMap() {
    return new Map(this.api.getSceneElementsIncludingDeleted().map((el) => [el.id, el]));
  }

  /** Draws every sticky's text from its idea and every linked frame's name from its cluster;
   * moves stickies into (or out of) their cluster's frame (follow.js). */
  render(extra = new Map()) {
    const ideas = this.ideas();
    const clusters = new Map(model.readClusters(this.doc).map((c) => [c.id, c]));
    const scene = this.sceneMap();
    for (const [id, el] of extra) scene.set(id, el);
    const state = this.api.getAppState();
    const editing = state.editingTextElement?.id;
    if (!this.binding.readOnly()) {
      const busy = (box) => (state.selectedElementsAreBeingDragged && state.selectedElementIds[box.id])
        || (editing && scene.get(editing)?.containerId === box.id);
      for (const [id, el] of followClusters(scene, ideas, new Set(clusters.keys()), busy)) extra.set(id, el);
      for (const [id, el] of extra) scene.set(id, el);
    }
    let dirty = extra.size > 0;
    const next = [...scene.values()].map((el) => {
      if (el.isDeleted || el.id === editing) return el;
      const box = this.container(el, scene);
      if (box) {
        const text = this.expected(box, ideas);
        if (el.originalText === text) return el;
        dirty = true;
        return withText(el, box, text);
      }
      const cluster = el.type === "frame" ? clusters.get(clusterOf(el)) : null;
      if (cluster && cluster.title && el.name !== cluster.title) {
        dirty = true;
        return { ...el, name: cluster.title };
      }
      return el;
    });
    if (dirty) this.api.updateScene({ elements: next, captureUpdate: CaptureUpdateAction.NEVER });
  }

  /** A sticky's text is never written into the element: the edit goes to the idea. Nothing
   * is written while its editor is open (a half-typed text may equal the idea's; for an
   * anonymous idea that write would say who is editing it). */
  holdBack(el) {
    const box = this.container(el, this.sceneMap());
    if (!box || box.isDeleted) return false; // the sticky itself deleted: its text goes with it
    const editing = this.api.getAppState().editingTextElement?.id === el.id;
    if (!editing && !el.isDeleted && el.originalText === this.expected(box, this.ideas())) return false;
    this.pending.add(el.id);
    return true;
  }

  /** When the editor has closed: the edited texts to their ideas, the elements as they were. */
  flush(appState) {
    if (!this.pending.size || appState.editingTextElement) return;
    const ideas = this.ideas();
    const restored = new Map();
    const board = this.board();
    for (const id of this.pending) {
      const el = this.sceneMap().get(id);
      const box = el && this.container(el, this.sceneMap());
      const stored = this.binding.revert(id);
      if (stored) restored.set(id, stored);
      const idea = box ? ideas.get(ideaOf(box)) : null;
      let text = el && !el.isDeleted ? String(el.originalText || "").trim() : "";
      const dots = idea ? this.dots(idea).trim() : "";
      if (dots && text.endsWith(dots)) text = text.slice(0, -dots.length).trim(); // drawn, not written
      text = text.slice(0, MAX_TEXT);
      if (box && stored && !(box.boundElements || []).some((b) => b.id === id)) {
        restored.set(box.id, newElementWith(box, { boundElements: [...(box.boundElements || []), { type: "text", id }] }));
      }
      if (!idea || !text || text === idea.text) continue;
      if (board && mayChange(board, idea)) changeIdea(board, idea, { text });
      else announce(t("whiteboard.sticky.not.yours"), true);
    }
    this.pending.clear();
    queueMicrotask(() => this.render(restored));
  }

  /** Inside the binding's transaction, before it writes: frames entered, left and renamed. */
  onWrite(changed) {
    const board = this.board();
    if (!board) return;
    const scene = this.sceneMap();
    const clusters = new Map(model.readClusters(this.doc).map((c) => [c.id, c]));
    for (const el of changed) {
      if (el.isDeleted) continue;
      if (ideaOf(el) && el.type !== "text") {
        const before = this.binding.stored(el.id)?.frameId ?? null;
        const now = el.frameId ?? null;
        if (before !== now) this.moved(board, ideaOf(el), scene.get(before), scene.get(now), clusters);
      } else if (el.type === "frame" && clusters.has(clusterOf(el))) {
        const name = String(el.name || "").trim().slice(0, 80);
        if (name && name !== clusters.get(clusterOf(el)).title) model.renameCluster(this.doc, clusterOf(el), name);
      }
    }
  }

  moved(board, ideaId, from, to, clusters) {
    const idea = this.ideas().get(ideaId);
    if (!idea) return;
    if (!to || to.type !== "frame") {
      // Out of a frame: the cluster goes only if it was that frame's (the board may have moved it).
      if (from && idea.cluster && idea.cluster === clusterOf(from)) board.moveIdea(ideaId, null);
      return;
    }
    let clusterId = clusters.has(clusterOf(to)) ? clusterOf(to) : null;
    if (!clusterId) clusterId = this.link(to, clusters);
    if (idea.cluster !== clusterId) board.moveIdea(ideaId, clusterId);
  }

  /** A frame drawn on the canvas becomes a cluster (the one of the same name, or a new one). */
  link(frame, clusters) {
    const name = String(frame.name || "").trim().slice(0, 80);
    const same = [...clusters.values()].find((c) => name && c.title.toLowerCase() === name.toLowerCase());
    const clusterId = same?.id
      ?? model.addCluster(this.doc, name || t("board.cluster.default", { n: clusters.size + 1 }));
    clusters.set(clusterId, { id: clusterId, title: name });
    queueMicrotask(() => {
      const current = this.sceneMap().get(frame.id);
      if (!current) return;
      const linked = newElementWith(current, { customData: { ...current.customData, clusterId } });
      this.api.updateScene({ elements: [...this.sceneMap().values()].map((el) => (el.id === frame.id ? linked : el)),
        captureUpdate: CaptureUpdateAction.NEVER });
    });
    return clusterId;
  }

  /** Places ideas not yet on the canvas: one at the view's centre, several as a grid with
   * a frame per cluster, to the right of what is there. Returns how many were placed. */
  place(ideaIds) {
    const placed = model.placedIdeas(this.doc);
    const ideas = model.readIdeas(this.doc).filter((i) => ideaIds.includes(i.id) && !placed.has(i.id));
    if (!ideas.length) return 0;
    const live = this.api.getSceneElements();
    const state = this.api.getAppState();
    let x = -state.scrollX + state.width / 2 / state.zoom.value - WIDTH / 2;
    let y = -state.scrollY + state.height / 2 / state.zoom.value - HEIGHT / 2;
    if (ideas.length > 1 && live.length) {
      const [, minY, maxX] = getCommonBounds(live);
      [x, y] = [maxX + 120, minY];
    }
    const clusters = model.readClusters(this.doc);
    const groups = [...clusters.map((c) => [c, ideas.filter((i) => i.cluster === c.id)]),
      [null, ideas.filter((i) => !clusters.some((c) => c.id === i.cluster))]];
    const skeletons = [];
    for (const [cluster, members] of groups) {
      if (!members.length) continue;
      const ids = members.map((idea, k) => {
        const id = model.newId();
        skeletons.push(sticky(id, idea, x + GAP + (k % PER_ROW) * (WIDTH + GAP),
          y + GAP + Math.floor(k / PER_ROW) * (HEIGHT + GAP)));
        return id;
      });
      if (cluster && ideas.length > 1) {
        skeletons.push({ type: "frame", id: model.newId(), children: ids, name: cluster.title,
          customData: { clusterId: cluster.id } });
      }
      x += Math.min(members.length, PER_ROW) * (WIDTH + GAP) + GAP + 80;
    }
    const created = convertToExcalidrawElements(skeletons, { regenerateIds: false });
    const frameOf = new Map(created.filter((el) => el.frameId).map((el) => [el.id, el.frameId]));
    const made = created.map((el) => (el.containerId && frameOf.has(el.containerId)
      ? { ...el, frameId: frameOf.get(el.containerId) } : el));
    this.api.updateScene({ elements: [...this.api.getSceneElementsIncludingDeleted(), ...made],
      captureUpdate: CaptureUpdateAction.IMMEDIATELY });
    this.api.scrollToContent(made, { fitToContent: ideas.length > 1, animate: false });
    return ideas.length;
  }
}

function sticky(id, idea, x, y) {
  return {
    type: "rectangle", id, x, y, width: WIDTH, height: HEIGHT,
    backgroundColor: FILL[idea.color] || FILL.yellow, fillStyle: "solid", strokeColor: "#846358",
    roundness: { type: 3 }, customData: { ideaId: idea.id },
    label: { text: idea.text, fontSize: 20, customData: { ideaId: idea.id } },
  };
}

/** The board's rule: one's own idea, or any as facilitator. */
function mayChange(board, idea) {
  return board.isMine(idea) || board.ctx.me.role === "facilitator";
}

/** The text element with another text, wrapped to its container as Excalidraw wraps it. */
function withText(el, box, text) {
  const [, wrapped] = restoreElements([box, { ...el, text, originalText: text }], null, { refreshDimensions: true });
  return { ...el, text: wrapped?.text ?? text, originalText: text, x: wrapped?.x ?? el.x, y: wrapped?.y ?? el.y,
    width: wrapped?.width ?? el.width, height: wrapped?.height ?? el.height };
}
