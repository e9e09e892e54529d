// What the current phase of the session allows a user: pure functions of the session's
// state (session/state.js) and the user ({id, name, role}).

const WRITE_KINDS = new Set(["ideate", "brainwrite", "warmup", "discuss", "group"]);

export function canEditBoard(s, me) {
  if (me.role === "observer" || s.ended) return false;
  return !s.locked || me.role === "facilitator";
}

/** Editing, deleting and grouping ideas: not while dots or ratings are given. */
export function canArrange(s, me) {
  return canEditBoard(s, me) && !votingRound(s) && !ratingRound(s, me);
}

export function canAdd(s, me) {
  if (!canEditBoard(s, me)) return false;
  const round = s.current;
  return !round || round.state !== "running" || WRITE_KINDS.has(round.kind);
}

/** A hidden round not yet revealed: new ideas go to the author's drafts (when they have one). */
export function hiddenRound(s, hasDrafts) {
  const round = s.current;
  return Boolean(round && round.hidden && round.state !== "ended" && !round.revealed && hasDrafts);
}

/** New ideas are anonymous now (hidden rounds go to the drafts, revealed by the server). */
export function anonymousNow(s, hasDrafts) {
  return Boolean(s.settings?.anonymous || s.current?.anonymous) && !hiddenRound(s, hasDrafts);
}

/** What an empty board says: ideas still hidden, nothing to add now, or an invitation. */
export function emptyBoard(s, me) {
  const round = s.current;
  if (round?.hidden && !round.revealed) return "board.empty.hidden";
  return canAdd(s, me) ? "board.empty" : "board.empty.none";
}

export function ratingRound(s, me) {
  const round = s.current;
  return round && round.kind === "rate" && round.state === "running" && me.role !== "observer"
    ? round : null;
}

export function votingRound(s) {
  const round = s.current;
  return round && round.kind === "vote" && round.state === "running" ? round : null;
}
