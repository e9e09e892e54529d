// The layout of the board and drafts documents (server/sprankel/facilitation/documents.py),
// the one place in the client that knows the keys:
//   ideas:    Y.Map id -> Y.Map {id, text, author_id, author_name, round_id, cluster_id, color,
//                                created_at}
//   clusters: Y.Map id -> Y.Map {id, title, color, created_at}
//   notes:    Y.Map id -> Y.Map {id, kind: note|decision|action, text, owner, due, done, created_at}
//   elements: Y.Array of Y.Map {pos, el}; assets: Y.Map (the whiteboard, see whiteboard/binding.js);
//             a sticky note is a rectangle (and its bound text) with customData {ideaId}, a
//             frame with customData {clusterId} is a cluster (whiteboard/stickies.js)
// The rest of the client sees ideas as {id, text, author, authorName, cluster, round, color,
// created}.
import * as Y from "yjs";

export const KEYS = {
  ideas: "ideas",
  clusters: "clusters",
  notes: "notes",
  whiteboard: "elements",
  whiteboardAssets: "assets",
};

export const COLORS = ["yellow", "green", "blue", "pink", "orange", "purple"];

export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("").slice(0, 16);
}

function plain(map) {
  return map instanceof Y.Map ? map.toJSON() : map || {};
}

export function readIdeas(doc) {
  const out = [];
  for (const [id, value] of doc.getMap(KEYS.ideas)) {
    const idea = plain(value);
    if (typeof idea.text !== "string") continue;
    out.push({
      id,
      text: idea.text,
      author: idea.author_id ?? null,
      authorName: idea.author_name ?? null,
      cluster: idea.cluster_id ?? null,
      round: idea.round_id ?? null,
      color: idea.color,
      created: Number(idea.created_at) || 0,
    });
  }
  return out;
}

export function readClusters(doc) {
  const out = [];
  for (const [id, value] of doc.getMap(KEYS.clusters)) {
    const cluster = plain(value);
    out.push({ id, title: String(cluster.title ?? ""), created: Number(cluster.created_at) || 0 });
  }
  out.sort((a, b) => (a.created || 0) - (b.created || 0) || a.id.localeCompare(b.id));
  return out;
}

export function addIdea(doc, { text, author, authorName, color, round, sheet }) {
  const id = newId();
  const idea = new Y.Map();
  doc.transact(() => {
    idea.set("id", id);
    idea.set("text", text);
    idea.set("author_id", author || null);
    idea.set("author_name", authorName || null);
    idea.set("color", color || COLORS[0]);
    idea.set("cluster_id", null);
    idea.set("round_id", round || null);
    idea.set("created_at", Date.now());
    if (sheet) idea.set("sheet_id", sheet);
    doc.getMap(KEYS.ideas).set(id, idea);
  });
  return id;
}

const IDEA_FIELDS = { text: "text", cluster: "cluster_id", color: "color" };

/** fields: any of {text, cluster, color} */
export function updateIdea(doc, id, fields) {
  const idea = doc.getMap(KEYS.ideas).get(id);
  if (!(idea instanceof Y.Map)) return;
  doc.transact(() => {
    for (const [key, value] of Object.entries(fields)) idea.set(IDEA_FIELDS[key], value);
  });
}

/** The idea a whiteboard element stands for (a sticky note), or null. */
export function stickyIdea(el) {
  const id = el?.customData?.ideaId;
  return typeof id === "string" && id ? id : null;
}

/** Ids of the ideas that have a sticky note on the whiteboard. */
export function placedIdeas(doc) {
  const out = new Set();
  for (const item of doc.getArray(KEYS.whiteboard)) {
    const el = item instanceof Y.Map ? item.get("el") : null;
    if (el && !el.isDeleted && el.type !== "text" && stickyIdea(el)) out.add(stickyIdea(el));
  }
  return out;
}

export function deleteIdea(doc, id) {
  doc.getMap(KEYS.ideas).delete(id);
}

export function addCluster(doc, title) {
  const id = newId();
  const cluster = new Y.Map();
  doc.transact(() => {
    cluster.set("id", id);
    cluster.set("title", title);
    cluster.set("color", null);
    cluster.set("created_at", Date.now());
    doc.getMap(KEYS.clusters).set(id, cluster);
  });
  return id;
}

export function renameCluster(doc, id, title) {
  const cluster = doc.getMap(KEYS.clusters).get(id);
  if (cluster instanceof Y.Map) cluster.set("title", title);
}

/** Removes a cluster; its ideas become unclustered. */
export function deleteCluster(doc, id) {
  doc.transact(() => {
    for (const [, idea] of doc.getMap(KEYS.ideas)) {
      if (idea instanceof Y.Map && idea.get("cluster_id") === id) idea.set("cluster_id", null);
    }
    doc.getMap(KEYS.clusters).delete(id);
  });
}

/** Undo and redo of this user's own edits of ideas and clusters (Y.UndoManager). */
export function undoManager(doc) {
  return new Y.UndoManager([doc.getMap(KEYS.ideas), doc.getMap(KEYS.clusters)], {
    captureTimeout: 400,
  });
}

export function readNotes(doc) {
  const out = [];
  for (const [id, value] of doc.getMap(KEYS.notes)) {
    const note = plain(value);
    if (typeof note.text !== "string") continue;
    out.push({ id, kind: note.kind || "note", text: note.text, owner: typeof note.owner === "string" ? note.owner : null,
      done: Boolean(note.done), created: Number(note.created_at) || 0 });
  }
  return out.sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
}

export function addNote(doc, kind, text, owner) {
  const id = newId();
  const note = new Y.Map();
  doc.transact(() => {
    note.set("id", id);
    note.set("kind", kind);
    note.set("text", text);
    note.set("owner", owner || null);
    note.set("due", null);
    note.set("done", false);
    note.set("created_at", Date.now());
    doc.getMap(KEYS.notes).set(id, note);
  });
  return id;
}

export function setNoteDone(doc, id, done) {
  const note = doc.getMap(KEYS.notes).get(id);
  if (note instanceof Y.Map) note.set("done", done);
}

export function deleteNote(doc, id) {
  doc.getMap(KEYS.notes).delete(id);
}

/** Brainwriting: the sheet in hand (server-written in the drafts document). */
export function readSheet(doc) {
  const sheet = doc.getMap("sheet").toJSON();
  return sheet && sheet.id ? sheet : null;
}
