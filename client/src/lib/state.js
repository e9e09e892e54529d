// One shape for the session's state, from `GET /api/sessions/{id}` (issue 4, docs/api.md).
// The control document (read-only, written by the server) tells us *when* it changed; the
// API tells us what the caller may see (own votes, hidden ideas for facilitators, ...).

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

/** The published dots of the current voting round, else of the latest one that has them. */
function talliesOf(raw, current, agenda) {
  if (raw.tallies) return numbers(raw.tallies);
  if (current?.tallies) return numbers(current.tallies);
  const published = agenda.filter((r) => r.kind === "vote" && r.tallies);
  return published.length ? numbers(published[published.length - 1].tallies) : null;
}

/** Published rating averages: of the current rating round, else of the latest one. */
function ratingsOf(current, agenda) {
  if (current?.ratings) return current.ratings;
  const published = agenda.filter((r) => r.kind === "rate" && r.ratings);
  return published.length ? published[published.length - 1].ratings : null;
}

export function normalize(raw, receivedAt = Date.now()) {
  const agenda = (raw.agenda || raw.rounds || []).map(roundOf);
  const currentRaw = raw.current_round;
  let current = null;
  if (currentRaw && typeof currentRaw === "object") current = roundOf(currentRaw);
  else if (currentRaw != null) current = agenda.find((r) => r.id === String(currentRaw)) || null;
  if (!current) current = agenda.find((r) => r.state === "running" || r.state === "paused") || null;
  const serverTime = Number(raw.server_time) || receivedAt;
  return {
    id: raw.id,
    title: raw.title || "",
    goal: raw.goal || "",
    language: raw.language || "nl",
    settings: raw.settings || {},
    agenda,
    current,
    deadline: raw.deadline ?? current?.deadline_ms ?? null,
    // server clock minus ours: add to Date.now() to get the server's time.
    clockOffset: serverTime - receivedAt,
    locked: Boolean(raw.locked),
    ended: Boolean(raw.ended || raw.state === "ended" || raw.status === "ended"),
    tallies: talliesOf(raw, current, agenda),
    myVotes: numbers(raw.my_votes?.votes),
    voteBudget: raw.my_votes?.budget ?? null,
    myRatings: raw.my_ratings && typeof raw.my_ratings === "object" ? raw.my_ratings : {},
    ratings: ratingsOf(current, agenda),
    voteCap: raw.my_votes?.max_votes_per_idea ?? null,
    participants: raw.participants ?? raw.participant_count ?? null,
    hiddenIdeas: raw.hidden_ideas || null,
    raw,
  };
}
