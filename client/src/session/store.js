// The session page's one store: the session's state (see state.js), its refresh, the queue
// of dots and the page's layout choices, with subscribe/notify. Every view reads it and
// re-renders when it notifies; nothing else on the page keeps state of its own beyond the
// Yjs documents.
//
// The public state comes from the control document as it arrives. The API is asked only
// for the caller's own share, when the control document's `version` changes (and when the
// page asks: after a facilitator's action, on reconnecting); there is no polling timer.
import { merged, personalState, publicState } from "./state.js";

export class SessionStore {
  /** control: the control document (Y.Doc); api: sessionApi(); me: {id, name, role} */
  constructor({ control, api, me, ui }) {
    this.api = api;
    this.me = me;
    this.control = control;
    this.public = publicState({});
    this.personal = personalState({});
    this.view = merged(this.public, this.personal);
    this.denied = null; // the API's refusal, when the token no longer works
    // Layout choices: the view shown, board and whiteboard side by side, following the
    // facilitator, and (facilitators) leading the others.
    this.ui = { view: "board", sideBySide: false, following: true, leading: false, ...ui };
    this.listeners = new Set();
    this.refreshing = null;
    this.refreshAgain = false;
    // Dots: see castVote.
    this.votes = { queue: Promise.resolve(), pending: 0, epoch: 0 };
    control.on("update", () => this.controlChanged());
    this.controlChanged();
  }

  /** The session as the page shows it (state.js's shape). */
  state() {
    return this.view;
  }

  /** fn(what) after every change; what is "session", "me" or "ui". Returns an unsubscribe. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  notify(what) {
    if (what === "session") this.view = merged(this.public, this.personal);
    for (const fn of this.listeners) fn(what);
  }

  setUi(patch) {
    this.ui = { ...this.ui, ...patch };
    this.notify("ui");
  }

  controlChanged() {
    const data = this.control.getMap("control").toJSON();
    const version = data.version ?? null;
    // The server never writes an older state; an equal version carries nothing new, but
    // for the live counts of a vote round, which change no version (a dot is no event).
    if (version === null) return;
    if (version === this.public.version) {
      const progress = publicState(data).voteProgress;
      if (JSON.stringify(progress) === JSON.stringify(this.public.voteProgress)) return;
      this.public = { ...this.public, voteProgress: progress };
      this.notify("session");
      return;
    }
    this.public = publicState(data);
    this.notify("session");
    this.refresh();
  }

  /**
   * Asks the API for the caller's share. Calls while one is under way are answered by one
   * more request after it (the first may have started before the change they ask about).
   */
  refresh() {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          await this.fetchPersonal();
        } while (this.refreshAgain);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  async fetchPersonal() {
    const epoch = this.votes.epoch;
    let raw;
    try {
      raw = await this.api.get();
    } catch (err) {
      if (err.status === 401 || err.status === 403 || err.status === 404) {
        this.denied = err.message;
        this.notify("session");
      }
      return;
    }
    const fresh = personalState(raw);
    // A GET that started before a dot was placed (or while one is on its way) is stale
    // about the user's own dots: the page shows them optimistically.
    if (epoch !== this.votes.epoch || this.votes.pending > 0) {
      const { round, myVotes, voteBudget, voteCap } = this.personal;
      Object.assign(fresh, { round, myVotes, voteBudget, voteCap });
    }
    this.personal = fresh;
    this.denied = null;
    // The caller's role changed (made or no longer co-facilitator): the server hands a token
    // with the new role, and the page starts again under it.
    if (typeof raw.token === "string" && raw.token) this.onNewToken?.(raw.token, raw.me?.role);
    const who = fresh.me;
    if (who && typeof who.name === "string" && (who.name !== this.me.name || who.role !== this.me.role)) {
      Object.assign(this.me, { name: who.name, role: who.role || this.me.role, id: who.id || this.me.id });
      this.notify("me");
    }
    this.notify("session");
  }

  /**
   * Dots: shown at once (optimistically), sent one after another (each PUT sets a count, so
   * order matters), and the server's answer is taken as the truth once nothing is pending.
   * Resolves when this dot is settled: {ok, left, budget} or {ok: false, error}.
   */
  castVote(ideaId, count) {
    count = Math.max(0, count);
    const votes = this.votes;
    votes.epoch += 1;
    this.personal = {
      ...this.personal,
      round: this.public.current?.id ?? null,
      myVotes: { ...this.view.myVotes, [ideaId]: count },
      voteBudget: this.view.voteBudget,
      voteCap: this.view.voteCap,
    };
    this.notify("session");
    votes.pending += 1;
    const settled = votes.queue.then(async () => {
      let result = null;
      let error = null;
      try {
        result = await this.api.vote(ideaId, count);
      } catch (err) {
        error = err;
      }
      votes.pending -= 1;
      if (votes.pending > 0) return { ok: !error, error, last: false };
      if (result?.votes) {
        this.personal = {
          ...this.personal,
          myVotes: result.votes,
          voteBudget: result.budget ?? this.personal.voteBudget,
          voteCap: result.max_votes_per_idea ?? this.personal.voteCap,
        };
        this.notify("session");
        return { ok: true, last: true, left: result.left, budget: result.budget };
      }
      votes.epoch += 1; // refused: the next refresh brings the server's count
      this.refresh();
      return { ok: false, error, last: true };
    });
    votes.queue = settled;
    return settled;
  }

  /** Rating (originality and feasibility, 1 to 5); throws what the API throws. */
  async rate(ideaId, originality, feasibility) {
    await this.api.call("PUT", `/ratings/${encodeURIComponent(ideaId)}`, { originality, feasibility });
    this.personal = {
      ...this.personal,
      myRatings: { ...this.personal.myRatings, [ideaId]: { originality, feasibility } },
    };
    this.notify("session");
  }
}
