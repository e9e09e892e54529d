// The HTTP API of issue 4: JSON in and out, `Authorization: Bearer TOKEN`, errors as
// {error, message}.

export class ApiError extends Error {
  constructor(status, error, message) {
    super(message || error || `HTTP ${status}`);
    this.status = status;
    this.error = error;
  }
}

export async function api(method, path, { token, body } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (err) {
    throw new ApiError(0, "network", String(err));
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, data?.error, data?.message);
  }
  return data;
}

/** A session's API, bound to one token. */
export function sessionApi(sid, token) {
  const base = `/sessions/${encodeURIComponent(sid)}`;
  const call = (method, path, body) => api(method, base + path, { token, body });
  return {
    get: () => call("GET", ""),
    addRound: (round) => call("POST", "/rounds", round),
    updateRound: (id, patch) => call("PATCH", `/rounds/${id}`, patch),
    deleteRound: (id) => call("DELETE", `/rounds/${id}`),
    roundAction: (id, action, body) => call("POST", `/rounds/${id}/${action}`, body ?? {}),
    addIdea: (text, roundId, color) => call("POST", "/ideas", { text, round_id: roundId ?? null, ...(color ? { color } : {}) }),
    editIdea: (id, patch) => call("PATCH", `/ideas/${encodeURIComponent(id)}`, patch),
    deleteIdea: (id) => call("DELETE", `/ideas/${encodeURIComponent(id)}`),
    vote: (ideaId, count) => call("PUT", `/votes/${encodeURIComponent(ideaId)}`, { count }),
    lock: () => call("POST", "/lock"),
    unlock: () => call("POST", "/unlock"),
    end: () => call("POST", "/end"),
    call,
  };
}

/** Downloads an authenticated file (an export) under the name the server gives it. */
export async function download(path, token, fallbackName) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      message = (await response.json()).message || message;
    } catch {
      // not JSON: keep the status
    }
    throw new ApiError(response.status, "download", message);
  }
  const disposition = response.headers.get("Content-Disposition") || "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] || fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
