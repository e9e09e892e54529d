// Binds an Excalidraw scene to the board document. Same Yjs layout as y-excalidraw (MIT), so
// the server's export reads it with pycrdt: a Y.Array of Y.Map {pos, el} (pos: the element's
// fractional index, el: the element as JSON; last write wins per element) and a Y.Map of
// image assets. Written here instead of used from y-excalidraw because of three field-tested
// problems: its undo integration finds buttons by their English labels; remote changes it
// applies land in Excalidraw's undo history (Ctrl+Z undid a colleague's shape); and it sends
// several awareness messages per pointer move.
import { CaptureUpdateAction, reconcileElements } from "@excalidraw/excalidraw";
import * as Y from "yjs";
import { NAME_MAX } from "../lib/name-field.js";

const ORIGIN = "sprankel-whiteboard";
const POINTER_INTERVAL_MS = 60;
// The server closes a connection whose message exceeds its limit (2 MiB by default); an image
// larger than this would then be re-sent on every reconnect and never arrive. It stays local.
export const MAX_SHARED_FILE_CHARS = 1_500_000;

// Only data: URLs are kept: an https:// "image" would make every peer fetch a URL of the
// sender's choice (the CSP blocks it too; this keeps the document clean).
function isSafeFile(file) {
  return file && typeof file.dataURL === "string" && file.dataURL.startsWith("data:image/");
}

function withoutLinkEmbeds(el) {
  // Embeds load third-party pages in every peer; they are not allowed (validateEmbeddable
  // refuses new ones, this drops ones that arrive from a peer).
  return el.type !== "embeddable" && el.type !== "iframe";
}

export class WhiteboardBinding {
  /**
   * @param api      Excalidraw's imperative API, after the scene has finished loading.
   * @param elements Y.Array of Y.Map {pos, el}
   * @param assets   Y.Map fileId -> BinaryFileData
   * @param awareness y-protocols Awareness of the board document
   */
  constructor(api, elements, assets, awareness, { readOnly = () => false, holdBack = () => false } = {}) {
    this.api = api;
    this.holdBack = holdBack; // (el) => true: a local change that is not written (stickies.js)
    this.yElements = elements;
    this.yAssets = assets;
    this.awareness = awareness;
    this.readOnly = readOnly;
    this.versions = new Map(); // element id -> version last seen in or written to Yjs
    this.byId = new Map(); // element id -> Y.Map
    this.lastPointer = 0;
    this.pendingPointer = null;
    this.pointerTimer = null;
    this.tooLarge = new Set(); // file ids not shared (over MAX_SHARED_FILE_CHARS)

    this.onElements = (events, txn) => {
      if (txn.origin === ORIGIN) return;
      this.applyRemote();
    };
    this.onAssets = (event, txn) => {
      if (txn.origin === ORIGIN) return;
      this.applyRemoteAssets([...event.keysChanged]);
    };
    this.onAwareness = () => this.applyCollaborators();
    elements.observeDeep(this.onElements);
    assets.observe(this.onAssets);
    awareness.on("change", this.onAwareness);

    // The document wins at start: it is what everybody else sees.
    this.applyRemote();
    this.applyRemoteAssets([...assets.keys()]);
    this.applyCollaborators();
  }

  destroy() {
    this.yElements.unobserveDeep(this.onElements);
    this.yAssets.unobserve(this.onAssets);
    this.awareness.off("change", this.onAwareness);
    clearTimeout(this.pointerTimer);
  }

  indexElements() {
    this.byId.clear();
    const list = [];
    for (const item of this.yElements) {
      const el = item.get("el");
      if (!el || typeof el.id !== "string" || !withoutLinkEmbeds(el)) continue;
      const known = this.byId.get(el.id);
      // Two peers that created the same id at once: keep the newer version.
      if (known && known.get("el").version >= el.version) continue;
      this.byId.set(el.id, item);
      list.push(el);
    }
    return list;
  }

  applyRemote() {
    // Copies: Excalidraw mutates its elements in place (mutateElement), and the document's
    // own objects must keep the version they were written with, or a peer's element moved
    // here would look already written and never sync back.
    const remote = this.indexElements().filter((el) => this.byId.get(el.id).get("el") === el)
      .map((el) => withValidIndex(structuredClone(el)));
    const reconciled = reconcileElements(
      this.api.getSceneElementsIncludingDeleted(),
      remote,
      this.api.getAppState(),
    );
    for (const el of remote) this.versions.set(el.id, el.version);
    this.api.updateScene({ elements: reconciled, captureUpdate: CaptureUpdateAction.NEVER });
    this.onCount?.(reconciled.filter((el) => !el.isDeleted).length);
    this.onRemote?.();
  }

  /** The element as the document holds it (null: never written). */
  stored(id) {
    return this.byId.get(id)?.get("el") ?? null;
  }

  /** Puts the document's copy of an element back on the local scene. */
  revert(id) {
    const el = this.stored(id);
    if (!el) return null;
    this.versions.set(id, el.version);
    return structuredClone(el);
  }

  applyRemoteAssets(ids) {
    const files = [];
    for (const id of ids) {
      const file = this.yAssets.get(id);
      if (isSafeFile(file) && !this.api.getFiles()[id]) files.push(file);
    }
    if (files.length) this.api.addFiles(files);
    this.onFiles?.(Object.keys(this.api.getFiles()).length);
  }

  /** Excalidraw's onChange: write the elements whose version moved on into the document. */
  onSceneChange(elements, appState, files) {
    if (this.readOnly()) return;
    const changed = elements.filter(
      (el) => withoutLinkEmbeds(el) && this.versions.get(el.id) !== el.version && !this.holdBack(el),
    );
    this.onLocalChange?.(appState);
    const newFiles = Object.values(files || {}).filter(
      (f) => isSafeFile(f) && !this.yAssets.has(f.id) && !this.tooLarge.has(f.id),
    );
    for (const file of newFiles.filter((f) => f.dataURL.length > MAX_SHARED_FILE_CHARS)) {
      this.tooLarge.add(file.id);
      this.onFileTooLarge?.(file);
    }
    const shared = newFiles.filter((f) => f.dataURL.length <= MAX_SHARED_FILE_CHARS);
    this.onCount?.(elements.filter((el) => !el.isDeleted).length);
    if (!changed.length && !newFiles.length) return;
    // (newFiles may all be too large; the elements still sync, peers see an empty frame.)
    this.yElements.doc.transact(() => {
      // Before the writes: the hook compares with what the document held (a sticky's frame).
      this.onWrite?.(changed);
      for (const el of changed) {
        const json = JSON.parse(JSON.stringify(el));
        const item = this.byId.get(el.id);
        if (item) {
          if ((item.get("el")?.version ?? -1) >= el.version) continue;
          item.set("el", json);
          item.set("pos", el.index);
        } else {
          const map = new Y.Map();
          map.set("pos", el.index);
          map.set("el", json);
          this.yElements.push([map]);
          this.byId.set(el.id, map);
        }
        this.versions.set(el.id, el.version);
      }
      for (const file of shared) {
        this.yAssets.set(file.id, {
          id: file.id,
          mimeType: file.mimeType,
          dataURL: file.dataURL,
          created: file.created,
        });
      }
    }, ORIGIN);
  }

  /** Excalidraw's onPointerUpdate: at most one awareness message per interval. */
  onPointer({ pointer, button }) {
    this.pendingPointer = {
      x: Math.round(pointer.x),
      y: Math.round(pointer.y),
      tool: pointer.tool === "laser" ? "laser" : "pointer",
      button,
      selected: Object.keys(this.api.getAppState().selectedElementIds || {}).slice(0, 50),
    };
    const wait = this.lastPointer + POINTER_INTERVAL_MS - performance.now();
    if (this.pointerTimer) return;
    this.pointerTimer = setTimeout(() => {
      this.pointerTimer = null;
      this.lastPointer = performance.now();
      this.awareness.setLocalStateField("pointer", this.pendingPointer);
    }, Math.max(0, wait));
  }

  applyCollaborators() {
    const collaborators = new Map();
    for (const [clientId, state] of this.awareness.getStates()) {
      if (clientId === this.awareness.clientID || !state?.user) continue;
      const p = state.pointer;
      const selected = {};
      for (const id of Array.isArray(p?.selected) ? p.selected : []) selected[id] = true;
      collaborators.set(String(clientId), {
        // Only plain values from the peer; never an avatarUrl (it would be fetched).
        username: String(state.user.name || "").slice(0, NAME_MAX),
        // The server stamps `color` (#rrggbb); the light shade is derived here.
        color: { background: lightShade(state.user.color), stroke: validColor(state.user.color) || "#333" },
        pointer: p && Number.isFinite(p.x) && Number.isFinite(p.y)
          ? { x: p.x, y: p.y, tool: p.tool === "laser" ? "laser" : "pointer" }
          : undefined,
        button: p?.button === "down" ? "down" : "up",
        selectedElementIds: selected,
      });
    }
    this.api.updateScene({ collaborators, captureUpdate: CaptureUpdateAction.NEVER });
  }
}

// A peer's malformed fractional index ("b0") made Excalidraw throw on the next insertion
// (placing, drawing): it is dropped, and Excalidraw gives the element a valid one.
function withValidIndex(el) {
  const key = el.index;
  const head = typeof key === "string" && /^[0-9A-Za-z]+$/.test(key) ? key.charCodeAt(0) : 0;
  const size = head >= 97 && head <= 122 ? head - 95 : head >= 65 && head <= 90 ? 92 - head : 0;
  const valid = size > 0 && key.length >= size && !key.slice(size).endsWith("0") && key !== `A${"0".repeat(26)}`;
  return valid ? el : { ...el, index: null };
}

function validColor(color) {
  return typeof color === "string" && /^#[0-9a-f]{6}$/i.test(color) ? color : null;
}

function lightShade(color) {
  const valid = validColor(color);
  return valid ? `${valid}33` : "#ffd";
}
