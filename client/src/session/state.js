// The session's state in one shape, from two sources (docs/api.md):
//   public:   the control document (`sessions/SID/control`), written by the server and the
//             same for everyone: title, goal, settings, agenda, current round, deadline,
//             published tallies and averages, lock and end;
//   personal: `GET /api/sessions/{id}`, what only the caller may see: own dots and ratings,
//             hidden ideas and links for facilitators, own name and role, and the server's
//             clock (for the countdown).

function roundOf(raw) {
  if (!raw || typeof raw !== "object") return null;
  return {
    ...raw,
    id: String(raw.id),
    kind: raw.kind || "ideate",
    state: raw.state || raw.status || "planned",
    prompt: raw.prompt || "",
    hidden: Boolean(raw.hidden),
    revealed: Boolean(raw.revealed),
    remaining_ms: raw.remaining_ms ?? (raw.remaining_s != null ? raw.remaining_s * 1000 : null),
  };
}

function numbers(obj) {
  const out = {};
  for (const [k, v] of Object.entries(obj || {})) if (Number.isFinite(Number(v))) out[k] = Number(v);
  return out;
}

/** The published dots of the current voting round, else of the latest that ran and has them. */
function talliesOf(current, agenda) {
  if (current?.tallies) return numbers(current.tallies);
  const published = agenda.filter((r) => r.kind === "vote" && r.tallies)
    .sort((a, b) => (a.started_at || 0) - (b.started_at || 0));
  return published.length ? numbers(published[published.length - 1].tallies) : null;
}

/** Published rating averages: of the current rating round, else of the latest one. */
function ratingsOf(current, agenda) {
  if (current?.ratings) return current.ratings;
  const published = agenda.filter((r) => r.kind === "rate" && r.ratings);
  return published.length ? published[published.length - 1].ratings : null;
}

/** What everyone sees, from the control document's map (plain JSON values). */
export function publicState(control) {
  const session = control.session || {};
  const agenda = (control.agenda || []).map(roundOf);
  const current = roundOf(control.round)
    || agenda.find((r) => r.id === String(control.current_round_id)) || null;
  return {
    version: control.version ?? null,
    id: session.id,
    title: session.title || "",
    goal: session.goal || "",
    language: session.language || "nl",
    settings: control.settings || { anonymous: session.anonymous, vote_budget: session.vote_budget },
    agenda,
    current,
    deadline: control.deadline ?? current?.deadline ?? null,
    locked: Boolean(session.locked),
    ended: session.state === "ended",
    tallies: talliesOf(current, agenda),
    // The running vote round's live counts (all, some, none of their dots), if any.
    voteProgress: control.vote_progress && current && String(control.vote_progress.round_id) === current.id
      ? control.vote_progress : null,
    ratings: ratingsOf(current, agenda),
    // The idea the facilitator put in the spotlight (until they take it out or the phase changes).
    spotlight: typeof control.spotlight === "string" ? control.spotlight : null,
  };
}

/** What only the caller sees, from the API's answer. */
export function personalState(raw, receivedAt = Date.now()) {
  const serverTime = Number(raw.server_time) || receivedAt;
  return {
    // The round the dots and ratings below belong to: a new round starts with none.
    round: raw.current_round?.id != null ? String(raw.current_round.id) : null,
    myVotes: numbers(raw.my_votes?.votes),
    voteBudget: raw.my_votes?.budget ?? null,
    voteCap: raw.my_votes?.max_votes_per_idea ?? null,
    myRatings: raw.my_ratings && typeof raw.my_ratings === "object" ? raw.my_ratings : {},
    hiddenIdeas: raw.hidden_ideas || null,
    // A participant's own hidden ideas and their state (waiting, held back, merged).
    myHidden: Array.isArray(raw.my_hidden) ? raw.my_hidden : [],
    // server clock minus ours: add to Date.now() to get the server's time.
    clockOffset: serverTime - receivedAt,
    me: raw.me || null,
    links: raw.links || {},
    joinCode: raw.join_code || null,
  };
}

/** One view for the page: the public state, with the caller's own share of it. */
export function merged(pub, personal) {
  const fresh = personal.round === (pub.current?.id ?? null);
  return {
    ...pub,
    ...personal,
    myVotes: fresh ? personal.myVotes : {},
    voteBudget: fresh ? personal.voteBudget : null,
    voteCap: fresh ? personal.voteCap : null,
    myRatings: fresh ? personal.myRatings : {},
  };
}
