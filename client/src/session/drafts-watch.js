// Facilitators: the hidden ideas of a hidden round live in each author's drafts document,
// whose changes the control document does not show. While such a round is open, the
// facilitator's page opens the drafts of the participants present, read-only (as the
// server allows facilitators), and asks the API for the moderation list when one changes:
// a change signal instead of a polling timer.
import { people } from "../lib/presence.js";
import { closeDocument, openDocument } from "../lib/sync.js";

export class DraftsWatch {
  /** ctx: {sid, token, store, awareness} */
  constructor(ctx) {
    this.ctx = ctx;
    this.open = new Map(); // participant id -> document handle
    ctx.store.subscribe((what) => {
      if (what === "session") this.update();
    });
    ctx.awareness.on("change", () => this.update());
  }

  reviewing() {
    const round = this.ctx.store.state().current;
    return Boolean(round && round.hidden && !round.revealed && round.state !== "planned"
      && round.state !== "ended");
  }

  update() {
    if (!this.reviewing()) {
      for (const id of [...this.open.keys()]) this.close(id);
      return;
    }
    for (const person of people(this.ctx.awareness)) {
      if (person.me || person.role !== "participant" || this.open.has(person.id)) continue;
      this.watch(person.id);
    }
  }

  watch(id) {
    const { sid, store, token } = this.ctx;
    const handle = openDocument(`sessions/${sid}/drafts/${id}`, token, { awareness: false });
    this.open.set(id, handle);
    handle.doc.on("update", () => store.refresh());
    // Refused for good (not a participant after all, the session ended): stop asking.
    handle.provider.on("closed", () => this.close(id));
  }

  close(id) {
    const handle = this.open.get(id);
    if (!handle) return;
    this.open.delete(id);
    closeDocument(handle);
  }
}
