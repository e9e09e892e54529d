// The Yjs documents of a session and their connections: a WebsocketProvider per document
// (the stock y-websocket client) and, for documents this browser writes, y-indexeddb, which
// keeps edits made while offline; they reach the server when the provider reconnects.
import { IndexeddbPersistence } from "y-indexeddb";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

// The server's close code for a document at its size limit (server/sprankel/status.py).
export const CLOSE_DOCUMENT_FULL = 4413;

function wsBase() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}

/**
 * Opens one document. `offline` keeps a copy in IndexedDB (writable documents only: the
 * control document is the server's and must always come fresh).
 */
export function openDocument(name, token, { offline = false, awareness = true } = {}) {
  const doc = new Y.Doc();
  const persistence = offline ? new IndexeddbPersistence(`sprankel:${name}`, doc) : null;
  const provider = new WebsocketProvider(wsBase(), name, doc, {
    params: { token },
    // Tabs of one browser otherwise sync through BroadcastChannel, past the server's rules.
    disableBc: true,
  });
  if (!awareness) provider.awareness.setLocalState(null);
  const loaded = persistence ? persistence.whenSynced.then(() => undefined) : Promise.resolve();
  return { name, doc, provider, persistence, loaded, Y };
}

export function closeDocument(handle) {
  handle.provider.destroy();
  handle.persistence?.destroy();
  handle.doc.destroy();
}

/** Resolves when the provider has synced with the server for the first time. */
export function whenSynced(handle) {
  if (handle.provider.synced) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (synced) => {
      if (!synced) return;
      handle.provider.off("sync", done);
      resolve();
    };
    handle.provider.on("sync", done);
  });
}

/**
 * Tracks the connection of several documents as one state for the indicator:
 * "online" (all connected), "connecting", "offline" (edits kept locally), "denied", or
 * "full" (a document reached the server's size limit: only deleting is accepted).
 */
export class Connection {
  /**
   * `optional` handles may be closed for good by the server without the page losing access
   * (the drafts document closes with 4410 when the session ends; the board stays readable).
   */
  constructor(handles, { optional = [] } = {}) {
    this.handles = [...handles];
    this.listeners = new Set();
    this.denied = null;
    this.full = null;
    for (const handle of handles) {
      handle.provider.on("status", () => this.changed());
      handle.provider.on("sync", () => this.changed());
      handle.provider.on("closed", (close) => {
        if (close.code === CLOSE_DOCUMENT_FULL) this.full = close;
        if (optional.includes(handle)) this.handles = this.handles.filter((h) => h !== handle);
        else this.denied = close;
        this.changed();
      });
    }
    // The browser knows before the socket does: disconnect at once and reconnect when the
    // network is back, instead of waiting for the 30 s watchdog of y-websocket.
    window.addEventListener("offline", () => {
      for (const handle of this.handles) handle.provider.disconnect();
      this.changed();
    });
    window.addEventListener("online", () => {
      if (this.denied) return;
      for (const handle of this.handles) handle.provider.connect();
      this.changed();
    });
  }

  state() {
    if (this.full) return "full";
    if (this.denied) return "denied";
    if (!navigator.onLine) return "offline";
    const all = this.handles.every((h) => h.provider.wsconnected && h.provider.synced);
    if (all) return "online";
    const anyTrying = this.handles.some((h) => h.provider.wsconnecting || h.provider.wsconnected);
    return anyTrying && this.handles.every((h) => h.provider.shouldConnect) ? "connecting" : "offline";
  }

  onChange(fn) {
    this.listeners.add(fn);
    fn(this.state());
  }

  changed() {
    const state = this.state();
    for (const fn of this.listeners) fn(state);
  }
}

export { Y };
