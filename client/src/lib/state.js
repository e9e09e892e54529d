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
    deadline: raw.deadline ?? current?.deadline ?? null,
    // server clock minus ours: add to Date.now() to get the server's time.
    clockOffset: serverTime - receivedAt,
    locked: Boolean(raw.locked),
    ended: Boolean(raw.ended || raw.state === "ended" || raw.status === "ended"),
    tallies: raw.tallies ? numbers(raw.tallies) : current?.tallies ? numbers(current.tallies) : null,
    myVotes: numbers(raw.my_votes || raw.votes_mine || current?.my_votes),
    participants: raw.participants ?? raw.participant_count ?? null,
    hiddenIdeas: raw.hidden_ideas || null,
    raw,
  };
}

export const EMPTY = normalize({});
