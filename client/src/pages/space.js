// The Koffiehoek (/k/{space}): a team's drop-in space. Join with a name, see who is around
// (now and today), chat in short messages, nudge for coffee, answer the icebreaker of the day,
// and turn a message into a brainstorm. Quiet by design: no read receipts, no typing status.
import { loadMe } from "../lib/account.js";
import { api, ApiError, download } from "../lib/api.js";
import { errorText, setupPage, showError } from "../lib/chrome.js";
import { announce, h, pageData, replaceChildren, safeHref } from "../lib/dom.js";
import { language, onLanguage, t } from "../lib/i18n.js";
import { peopleAdmin } from "../lib/people-admin.js";
import { remembered } from "../lib/storage.js";
import { Connection, openDocument } from "../lib/sync.js";
import { renderCreate, renderJoin } from "../space/forms.js";
import { invite, momentsSection } from "../space/moments.js";
import { statusForm, statusTags } from "../space/status.js";
import { mountVoice } from "../voice/panel.js";

const data = pageData();
// Messages this tab turned into a session: their console links (facilitator tokens, so
// kept in this tab's memory only).
const startedFrom = new Map();
const app = document.getElementById("app");

await loadMe();
if (data.page === "space-new") setupPage(() => renderCreate(app));
else startSpace();

// --- a space ----------------------------------------------------------------------------

async function startSpace() {
  const sid = data.space;
  const known = remembered.space(sid);
  if (!known?.token) {
    setupPage(() => renderJoin(app, sid));
    return;
  }
  const call = (method, path, body) => api(method, `/spaces/${encodeURIComponent(sid)}${path}`, { token: known.token, body });
  let overview = null;
  try {
    overview = await call("GET", "");
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 404)) {
      remembered.setSpace(sid, null);
      setupPage(() => renderJoin(app, sid));
      return;
    }
    setupPage(() => replaceChildren(app, [h("p", { class: "notice", role: "alert" }, errorText(err))]));
    return;
  }

  const chat = openDocument(overview.chat_document || `spaces/${sid}/chat`, known.token);
  const awareness = chat.provider.awareness;
  awareness.setLocalStateField("user", { id: overview.me.id, name: overview.me.name });
  const messages = chat.doc.getArray("messages");
  let seen = new Set(messages.toArray().map((m) => m?.id));
  let firstRender = true;

  const status = h("p", { class: "connection", id: "connection", role: "status" });
  const list = h("ol", { class: "chat", id: "chat", "aria-labelledby": "chat-heading" });
  const presentNode = h("section", { class: "presence-panel space-presence", "aria-labelledby": "present-heading" });
  const iceNode = h("section", { class: "card icebreaker", "aria-labelledby": "ice-heading" });
  const sessionsNode = h("section", { class: "card", "aria-labelledby": "sessions-heading" });
  const momentsNode = h("section", { class: "card moments-card", "aria-labelledby": "moments-heading" });
  const statusNode = h("div", { class: "my-status" });
  const inviteNode = h("p", { class: "notice moment-invite", role: "alert", hidden: true });
  // Every visit renews the member token (a sliding lifetime): keep the newest
  // (the voice socket below opens with it).
  const keepToken = () => {
    if (typeof overview?.token === "string" && overview.token) {
      known.token = overview.token;
      remembered.setSpace(sid, known);
    }
  };
  keepToken();
  // The voice tables: one section that keeps its own state (the calls) across renders.
  const voiceNode = h("section", { class: "card voice", id: "voice", "aria-labelledby": "voice-heading" });
  const voice = mountVoice(voiceNode, {
    path: `/voice/spaces/${encodeURIComponent(sid)}`, token: known.token, me: overview.me.id,
    addTable: (fields) => call("POST", "/tables", fields),
  });
  const error = h("p", { class: "utrecht-form-field-error-message", role: "alert", tabindex: "-1", hidden: true });
  const composer = h("form", { class: "chat-form", onsubmit: (e) => post(e) });

  const admin = overview.created_by_me ? peopleAdmin({
    kind: "space",
    selfId: overview.me.id,
    load: async () => (await call("GET", "")).members || [],
    remove: (id) => call("DELETE", `/members/${encodeURIComponent(id)}`),
  }) : null;

  async function refresh() {
    try {
      overview = await call("GET", "");
      keepToken();
      renderSide();
    } catch {
      // The indicator shows the connection; the next refresh tries again.
    }
  }

  async function act(fn) {
    error.hidden = true;
    try {
      await fn();
    } catch (err) {
      showError(error, err.status === 429 ? t("space.slow", { message: err.message }) : err);
    }
  }

  async function post(e) {
    e.preventDefault();
    const input = composer.querySelector("textarea");
    const text = input.value.trim();
    if (!text) return;
    await act(async () => {
      await call("POST", "/messages", { text });
      input.value = "";
      input.focus();
    });
  }

  function renderMessages() {
    const items = messages.toArray().filter((m) => m && typeof m === "object");
    replaceChildren(list, items.map((m) => renderMessage(m)));
    // A nudge or a moment names whom it calls (the available): the others are not disturbed.
    const fresh = items.filter((m) => !seen.has(m.id) && m.author_id !== overview.me.id
      && (!Array.isArray(m.reach) || m.reach.includes(overview.me.id)));
    for (const m of fresh) if (m.kind === "moment" && !firstRender) invite(m, overview.me.id, names(), inviteNode, voice.sitAt);
    seen = new Set(items.map((m) => m.id));
    firstRender = false;
    if (fresh.length === 1) announce(describe(fresh[0]));
    else if (fresh.length > 1) announce(t("space.new.messages", { n: fresh.length }));
    list.lastElementChild?.scrollIntoView({ block: "nearest" });
  }

  function names() {
    const known = new Map((overview.today || []).map((p) => [p.id, p.name]));
    for (const p of overview.present || []) known.set(p.id, p.name);
    return known;
  }

  function describe(m) {
    if (m.kind === "moment") return t("moments.invite");
    if (m.kind === "coffee") return t("space.coffee.says", { name: m.author_name });
    if (m.kind === "session") return t("space.session.says", { name: m.author_name, title: m.session?.title || m.text });
    return `${m.author_name}: ${m.text}`;
  }

  function renderMessage(m) {
    const time = new Date(Number(m.at) || 0).toLocaleTimeString(language(), { hour: "2-digit", minute: "2-digit" });
    const body = m.kind === "moment"
      ? h("p", { class: "chat-text coffee" }, "☕ ", t("moments.invite"))
      : m.kind === "coffee"
      ? h("p", { class: "chat-text coffee" }, "☕ ", t("space.coffee.says", { name: m.author_name }))
      : m.kind === "session"
        ? h("p", { class: "chat-text" }, t("space.session.says", { name: m.author_name, title: m.session?.title || "" }), " ",
          safeHref(m.session?.join_path) ? h("a", { class: "utrecht-link", href: safeHref(m.session.join_path) }, t("space.session.join")) : null)
        : h("p", { class: "chat-text" }, m.text);
    return h("li", { class: `chat-message chat-${m.kind}`, dataset: { message: m.id } },
      h("p", { class: "chat-meta" }, h("strong", {}, m.author_name), " ", h("time", { datetime: new Date(Number(m.at) || 0).toISOString() }, time)),
      body,
      m.kind === "message" && startedFrom.has(m.id)
        // The space stays open in this tab: the new session's console opens in another.
        ? h("a", { class: "utrecht-link started-console", href: startedFrom.get(m.id), target: "_blank", rel: "noopener" },
          t("space.session.open"))
        : m.kind === "message" ? h("button", {
          type: "button", class: "utrecht-button utrecht-button--subtle", "aria-describedby": `msg-${m.id}`,
          onclick: () => act(async () => {
            const started = await call("POST", "/sessions", { message_id: m.id });
            const target = safeHref(started.links?.facilitator);
            if (!target) return;
            startedFrom.set(m.id, target);
            renderMessages();
            announce(t("space.session.started"));
            document.querySelector(`[data-message="${CSS.escape(m.id)}"] .started-console`)?.focus();
          }),
        }, t("space.session.start")) : null,
      h("span", { id: `msg-${m.id}`, class: "visually-hidden" }, m.text || ""));
  }

  function renderSide() {
    const here = new Map();
    // Until the chat is synced the server's list stands in; after that awareness is the
    // live truth (it spans every server process), so someone who leaves drops out at once.
    if (!chat.provider.synced) for (const p of overview.present || []) here.set(p.id, p.name);
    for (const [, state] of awareness.getStates()) {
      if (state?.user?.id && typeof state.user.name === "string") here.set(state.user.id, state.user.name);
    }
    replaceChildren(presentNode, [
      h("h2", { id: "present-heading", class: "panel-title" }, t("space.present"), ` (${here.size})`),
      h("ul", { class: "presence", id: "present" }, [...here].map(([id, name]) =>
        h("li", { class: "person" }, h("span", { class: "person-name" }, name), id === overview.me.id ? h("span", { class: "tag" }, t("presence.you")) : null,
          statusTags(overview.statuses, id)))),
      h("h3", { class: "panel-title today-title" }, t("space.today")),
      h("ul", { class: "today" }, (overview.today || []).map((p) => h("li", {}, p.name, " ", statusTags(overview.statuses, p.id)))),
      statusNode,
    ]);
    // The forms are rebuilt only when what they show changed, so a refresh or someone
    // arriving never closes a form or resets a choice being made.
    const mine = JSON.stringify([language(), overview.statuses?.[overview.me.id] || null]);
    if (statusNode.dataset.shown !== mine) {
      statusNode.dataset.shown = mine;
      replaceChildren(statusNode, [statusForm(overview, call, act, refresh)]);
    }
    const moments = JSON.stringify([language(), overview.moments, overview.pairing,
      typeof Notification === "undefined" ? "" : Notification.permission]);
    if (momentsNode.dataset.shown !== moments) {
      momentsNode.dataset.shown = moments;
      replaceChildren(momentsNode, momentsSection(overview, call, act, refresh, known.token));
    }
    replaceChildren(iceNode, [
      h("h2", { id: "ice-heading", class: "panel-title" }, t("space.icebreaker")),
      h("p", { class: "icebreaker-question" }, overview.icebreaker || ""),
      h("form", { class: "inline-form", onsubmit: (e) => {
        e.preventDefault();
        const input = e.target.querySelector("input");
        if (!input.value.trim()) return;
        act(async () => { await call("POST", "/icebreakers", { text: input.value.trim() }); input.value = ""; announce(t("space.icebreaker.added")); await refresh(); });
      } },
      h("label", { for: "own-icebreaker", class: "utrecht-form-label" }, t("space.icebreaker.own")),
      h("input", { id: "own-icebreaker", class: "utrecht-textbox", maxlength: 200 }),
      h("button", { type: "submit", class: "utrecht-button utrecht-button--secondary-action" }, t("space.icebreaker.add"))),
    ]);
    replaceChildren(sessionsNode, [
      h("h2", { id: "sessions-heading", class: "panel-title" }, t("space.sessions")),
      (overview.sessions || []).length === 0 ? h("p", { class: "hint" }, t("space.sessions.none")) : null,
      h("ul", { class: "sessions" }, (overview.sessions || []).map((s) => h("li", {},
        h("span", {}, s.title), " ",
        safeHref(s.join) ? h("a", { class: "utrecht-link", href: safeHref(s.join) }, t("space.session.join")) : null, " ",
        s.summary ? h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", onclick: () => act(() => download(s.summary, known.token, "sprankel.md")) }, t("space.summary")) : null))),
    ]);
  }

  function render() {
    document.title = `${overview.name} · Koffiehoek · Sprankel`;
    replaceChildren(composer, [
      h("label", { for: "chat-text", class: "utrecht-form-label" }, t("space.message")),
      h("div", { class: "composer-row" },
        h("textarea", { id: "chat-text", class: "utrecht-textarea", rows: 2, maxlength: 500,
          onkeydown: (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); composer.requestSubmit(); } } }),
        h("button", { type: "submit", class: "utrecht-button utrecht-button--primary-action" }, t("space.send"))),
    ]);
    replaceChildren(app, [
      h("div", { class: "session-head" },
        h("h1", { class: "utrecht-heading-1 session-title" }, overview.name, h("span", { class: "subtitle" }, " · Koffiehoek")),
        status),
      h("p", { class: "hint" }, t("space.quiet", { days: overview.retention_days })),
      h("div", { class: "session-layout" },
        h("div", {},
          h("div", { class: "space-actions" },
            h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", id: "coffee",
              onclick: () => act(() => call("POST", "/coffee")) }, `☕ ${t("space.coffee")}`),
            h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", id: "share-space",
              onclick: async () => {
                try { await navigator.clipboard.writeText(location.href); announce(t("home.copied")); } catch { announce(location.href); }
              } }, t("space.share"))),
          inviteNode,
          voiceNode,
          iceNode,
          h("section", { class: "card", "aria-labelledby": "chat-heading" },
            h("h2", { id: "chat-heading", class: "panel-title" }, t("space.chat")),
            list, error, composer),
          momentsNode,
          sessionsNode,
          admin ? admin.node : null),
        presentNode),
    ]);
    renderMessages();
    renderSide();
  }

  messages.observe(() => renderMessages());
  let refreshTimer = null;
  awareness.on("change", ({ added, removed }) => {
    renderSide();
    // Someone arrived or left: fetch "around today" again, once for a burst of changes.
    if ((added.length || removed.length) && refreshTimer === null) {
      refreshTimer = setTimeout(() => { refreshTimer = null; refresh(); }, 500);
    }
  });
  chat.provider.on("sync", () => renderSide());
  setInterval(refresh, 20000);
  const connection = new Connection([chat]);
  connection.onChange((state) => {
    status.dataset.state = state;
    status.textContent = t(`conn.${state === "offline" ? "offline.readonly" : state}`, { reason: connection.denied?.reason || "" });
  });
  setupPage(render);
  onLanguage(() => { connection.changed(); voice.rerender(); });
}
