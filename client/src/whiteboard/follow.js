// Stickies follow their idea's cluster. When an idea changes group on the idea board, its
// sticky moves into the frame of that cluster (the frame grows a row when it is full); when
// the idea leaves a cluster, its sticky leaves that cluster's frame (to just below it). The
// other direction, a sticky dragged into a frame groups its idea, is stickies.js onWrite.
// Every browser that may write computes the same moves from the same scene, so what they
// write agrees. A cluster without a frame on the canvas gets none: its sticky stays put.
import { newElementWith } from "@excalidraw/excalidraw";
import * as model from "../lib/model.js";

const GAP = 24;
const MAX_SLOTS = 200; // bounds the search for a free place

const clusterOf = (el) => (typeof el?.customData?.clusterId === "string" ? el.customData.clusterId : null);

/**
 * scene: Map id -> element (including deleted); ideas: Map id -> idea; clusters: Set of ids;
 * skip(box): true for a sticky the user is editing or dragging here.
 * Returns Map id -> element for what moved (stickies, their texts, grown frames).
 */
export function followClusters(scene, ideas, clusters, skip) {
  const out = new Map();
  const live = () => [...scene.values()].map((el) => out.get(el.id) || el).filter((el) => !el.isDeleted);
  const frames = new Map();
  for (const el of live()) {
    if (el.type === "frame" && clusters.has(clusterOf(el)) && !frames.has(clusterOf(el))) frames.set(clusterOf(el), el);
  }
  for (const box of live().filter((el) => el.type !== "text" && model.stickyIdea(el))) {
    const idea = ideas.get(model.stickyIdea(box));
    if (!idea || skip(box)) continue;
    const wanted = clusters.has(idea.cluster) ? idea.cluster : null;
    const frame = box.frameId ? out.get(box.frameId) || scene.get(box.frameId) : null;
    const current = frame && !frame.isDeleted ? frame : null;
    const inCluster = current ? clusterOf(current) : null;
    if (wanted && inCluster === wanted) continue;
    // A frame not linked (yet: stickies.js link runs after this write) keeps its stickies.
    if (current && !clusters.has(inCluster)) continue;
    const target = wanted ? frames.get(wanted) : null;
    if (target) {
      const slot = slotInFrame(box, out.get(target.id) || target, live());
      moveSticky(scene, out, box, slot, target.id);
      const grown = grow(out.get(target.id) || target, slot, box);
      if (grown) out.set(target.id, grown);
    } else if (current) {
      moveSticky(scene, out, box, slotBelow(box, current, live()), null);
    }
  }
  return out;
}

function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The first place in the frame's grid that no other element of the frame covers. */
function slotInFrame(box, frame, live) {
  const others = live.filter((el) => el.frameId === frame.id && el.id !== box.id && el.containerId !== box.id);
  const cols = Math.max(1, Math.floor((frame.width - GAP) / (box.width + GAP)));
  let slot = null;
  for (let k = 0; k < MAX_SLOTS; k++) {
    slot = { x: frame.x + GAP + (k % cols) * (box.width + GAP), y: frame.y + GAP + Math.floor(k / cols) * (box.height + GAP),
      width: box.width, height: box.height };
    if (!others.some((el) => overlaps(slot, el))) break;
  }
  return slot;
}

/** A free place in the row just below the frame it leaves. */
function slotBelow(box, frame, live) {
  const others = live.filter((el) => el.id !== box.id && el.containerId !== box.id && el.type !== "frame");
  let slot = null;
  for (let k = 0; k < MAX_SLOTS; k++) {
    slot = { x: frame.x + k * (box.width + GAP), y: frame.y + frame.height + GAP, width: box.width, height: box.height };
    if (!others.some((el) => overlaps(slot, el))) break;
  }
  return slot;
}

function moveSticky(scene, out, box, slot, frameId) {
  const dx = slot.x - box.x;
  const dy = slot.y - box.y;
  out.set(box.id, newElementWith(box, { x: slot.x, y: slot.y, frameId }));
  for (const el of scene.values()) {
    if (el.containerId === box.id && !el.isDeleted) {
      out.set(el.id, newElementWith(out.get(el.id) || el, { x: el.x + dx, y: el.y + dy, frameId }));
    }
  }
}

/** The frame, larger if the slot reaches past its edge (null: it fits). */
function grow(frame, slot, box) {
  const width = Math.max(frame.width, slot.x + box.width + GAP - frame.x);
  const height = Math.max(frame.height, slot.y + box.height + GAP - frame.y);
  return width === frame.width && height === frame.height ? null : newElementWith(frame, { width, height });
}
