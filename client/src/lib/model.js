// The layout of the board and drafts documents (docs/api.md): one place that knows the keys.
//   ideas:    Y.Map  id -> Y.Map {id, text, author, author_name, color, cluster, round, created}
//   clusters: Y.Map  id -> Y.Map {id, title, created}
//   notes:    Y.Text (the facilitator's notes and decisions)
//   whiteboard: Y.Array of Y.Map {pos, el}; whiteboard_assets: Y.Map (see whiteboard/binding.js)
import * as Y from "yjs";

export const KEYS = {
  ideas: "ideas",
  clusters: "clusters",
  notes: "notes",
  whiteboard: "whiteboard",
  whiteboardAssets: "whiteboard_assets",
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
    out.push({ ...idea, id });
  }
  return out;
}

export function readClusters(doc) {
  const out = [];
  for (const [id, value] of doc.getMap(KEYS.clusters)) out.push({ ...plain(value), id });
  out.sort((a, b) => (a.created || 0) - (b.created || 0) || a.id.localeCompare(b.id));
  return out;
}

export function addIdea(doc, { text, author, authorName, color, round }) {
  const id = newId();
  const idea = new Y.Map();
  doc.transact(() => {
    idea.set("id", id);
    idea.set("text", text);
    idea.set("author", author || null);
    idea.set("author_name", authorName || null);
    idea.set("color", color || COLORS[0]);
    idea.set("cluster", null);
    idea.set("round", round || null);
    idea.set("created", Date.now());
    doc.getMap(KEYS.ideas).set(id, idea);
  });
  return id;
}

export function updateIdea(doc, id, fields) {
  const idea = doc.getMap(KEYS.ideas).get(id);
  if (!(idea instanceof Y.Map)) return;
  doc.transact(() => {
    for (const [key, value] of Object.entries(fields)) idea.set(key, value);
  });
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
    cluster.set("created", Date.now());
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
      if (idea instanceof Y.Map && idea.get("cluster") === id) idea.set("cluster", null);
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
