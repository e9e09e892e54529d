// The session page: round banner, idea board, whiteboard (lazy), presence, connection
// indicator, focused writing view and, for facilitators, the console.
import { download, sessionApi } from "../lib/api.js";
import { onTheme, setupPage, theme } from "../lib/chrome.js";
import { announce, h, pageData, replaceChildren } from "../lib/dom.js";
import { language, onLanguage, t } from "../lib/i18n.js";
import { IdeaBoard } from "../lib/board.js";
import { Console } from "../lib/console.js";
import { KEYS, readIdeas } from "../lib/model.js";
import { PresenceList, people, setLocalUser } from "../lib/presence.js";
import { normalize } from "../lib/state.js";
import { remembered } from "../lib/storage.js";
import { Connection, openDocument, whenSynced } from "../lib/sync.js";
import { RoundBanner } from "../lib/timer.js";
import { WritingView } from "../lib/writing.js";

const data = pageData();
const sid = data.sid;
const app = document.getElementById("app");

function credentials() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const fromLink = hash.get("token");
  if (fromLink) {
    // The facilitator link carries the token in the fragment (never sent to the server, never
    // in a log or a Referer); keep it and take it out of the address bar.
    const known = remembered.session(sid);
    remembered.setSession(sid, { ...(known || {}), token: fromLink, role: known?.role || "facilitator" });
    history.replaceState(null, "", location.pathname + location.search);
  }
  return remembered.session(sid);
}

const creds = credentials();
if (!creds?.token) {
  setupPage(() => replaceChildren(app, [h("div", { class: "card" }, h("h1", { class: "utrecht-heading-1" }, t("join.title")), h("p", {}, t("session.notoken")))]));
} else {
  start(creds);
}

function tokenClaims(token) {
  // A token is "v1.<base64url JSON {s, p, r}>.<signature>" (facilitation/tokens.py). Read
  // only to know who we are; the server checks the signature, not us.
  try {
    const part = token.split(".")[1];
    const claims = JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
    return { participant_id: claims.p, role: claims.r, session_id: claims.s };
  } catch {
    return {};
  }
}

async function start(creds) {
  const api = sessionApi(sid, creds.token);
  let session = normalize({});
  const claims = tokenClaims(creds.token);
  const me = {
    id: claims.participant_id || creds.participant_id || `anonymous-${sid}`,
    name: creds.name || remembered.name() || t("presence.facilitator"),
    role: claims.role || creds.role || "participant",
  };
  const writable = me.role !== "observer";
  const board = openDocument(`sessions/${sid}/board`, creds.token, { offline: writable });
  const control = openDocument(`sessions/${sid}/control`, creds.token, { awareness: false });
  let drafts = null;
  const handles = [board, control];
  if (me.role === "participant") {
    drafts = openDocument(`sessions/${sid}/drafts/${me.id}`, creds.token, { offline: true, awareness: false });
    handles.push(drafts);
  }
  const awareness = board.provider.awareness;
  setLocalUser(awareness, me);

  // --- layout --------------------------------------------------------------------------
  const banner = h("section", { class: "round-banner", "aria-label": t("round.timer.label"), id: "round-banner" });
  const indicator = h("p", { class: "connection", id: "connection", role: "status" });
  const followBar = h("div", { class: "follow-bar", hidden: true });
  const boardPanel = h("section", { class: "panel", id: "panel-board", role: "tabpanel", "aria-labelledby": "tab-board", tabindex: "-1" });
  const wbPanel = h("section", { class: "panel panel-whiteboard", id: "panel-whiteboard", role: "tabpanel", "aria-labelledby": "tab-whiteboard", tabindex: "-1", hidden: true });
  const consolePanel = me.role === "facilitator"
    ? h("section", { class: "panel", id: "panel-console", role: "tabpanel", "aria-labelledby": "tab-console", tabindex: "-1", hidden: true }) : null;
  const presence = h("aside", { class: "presence-panel", "aria-labelledby": "presence-heading" });
  const tabs = h("div", { class: "tabs", role: "tablist", "aria-label": t("session.views") });
  // Board and whiteboard as tabs, or side by side on a wide screen (remembered).
  let sideBySide = remembered.sideBySide();
  const sideButton = h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", id: "side-by-side" });
  // Participants may take the summary home when the facilitator allows it.
  const summaryButton = h("button", {
    type: "button", class: "utrecht-button utrecht-button--subtle", id: "download-summary", hidden: true,
    onclick: async () => {
      try {
        await download(`/api/sessions/${encodeURIComponent(sid)}/export.md`, creds.token, "sprankel.md");
      } catch (err) {
        announce(t("error.generic", { message: err.message }), true);
      }
    },
  });
  const writeButton = h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", id: "open-writing" });
  const title = h("h1", { class: "session-title utrecht-heading-1" }, t("session.loading"));
  const goal = h("p", { class: "session-goal", hidden: true });
  const notice = h("p", { class: "notice", hidden: true, role: "status" });

  const layout = h("div", { class: "session-layout" },
    h("div", { class: "panels" }, boardPanel, wbPanel, consolePanel),
    presence);
  replaceChildren(app, [
    h("div", { class: "session-head" }, h("div", {}, title, goal), indicator),
    notice,
    banner,
    followBar,
    h("div", { class: "session-bar" }, tabs, h("div", { class: "session-bar-actions" }, summaryButton, sideButton, writeButton)),
    layout,
  ]);

  const views = ["board", "whiteboard", ...(consolePanel ? ["console"] : [])];
  let view = data.page === "console" && consolePanel ? "console" : "board";
  let following = true; // participants follow the facilitator until they step out
  let whiteboard = null;

  function tabViews() {
    return sideBySide ? views.filter((name) => name !== "whiteboard") : views;
  }

  function renderTabs() {
    const shown = tabViews();
    replaceChildren(tabs, shown.map((name) => h("button", {
      type: "button", role: "tab", id: `tab-${name}`,
      "aria-controls": name === "board" && sideBySide ? "panel-board panel-whiteboard" : `panel-${name}`,
      "aria-selected": view === name ? "true" : "false", tabindex: view === name ? "0" : "-1",
      class: "tab", "data-focus-key": `tab-${name}`,
      onclick: () => select(name, true),
      onkeydown: (e) => {
        const i = shown.indexOf(name);
        const next = e.key === "ArrowRight" ? shown[(i + 1) % shown.length]
          : e.key === "ArrowLeft" ? shown[(i + shown.length - 1) % shown.length]
          : e.key === "Home" ? shown[0] : e.key === "End" ? shown[shown.length - 1] : null;
        if (next) {
          e.preventDefault();
          select(next, true);
          document.getElementById(`tab-${next}`)?.focus();
        }
      },
    }, name === "board" && sideBySide ? t("session.both") : t(`session.${name}`))));
    sideButton.textContent = t("session.side");
    sideButton.setAttribute("aria-pressed", sideBySide ? "true" : "false");
    sideButton.onclick = () => {
      sideBySide = !sideBySide;
      remembered.setSideBySide(sideBySide);
      select(view, true);
    };
  }

  function select(name, byUser) {
    if (byUser && me.role !== "facilitator" && followTarget()) following = false;
    if (sideBySide && name === "whiteboard") name = "board";
    view = name;
    const both = sideBySide && name === "board";
    boardPanel.hidden = name !== "board";
    wbPanel.hidden = !(name === "whiteboard" || both);
    if (consolePanel) consolePanel.hidden = name !== "console";
    // The console has its own list of people; it gets the whole width.
    layout.classList.toggle("console-open", name === "console");
    layout.classList.toggle("side-by-side", both);
    renderTabs();
    if (!wbPanel.hidden) loadWhiteboard();
    if (me.role === "facilitator") awareness.setLocalStateField("view", name);
    renderFollow();
  }

  // --- session state from the API, refreshed when the control document changes ---------
  let refreshing = null;
  // Bumped by every dot placed or taken back: a GET that started before it is stale about
  // the user's own dots (the page shows them optimistically; see castVote).
  let voteEpoch = 0;
  async function refresh() {
    if (refreshing) return refreshing;
    refreshing = (async () => {
      try {
        const epoch = voteEpoch;
        const fresh = normalize(await api.get());
        if (epoch !== voteEpoch || pendingVotes > 0) {
          Object.assign(fresh, { myVotes: session.myVotes, voteBudget: session.voteBudget, voteCap: session.voteCap });
        }
        session = fresh;
        const who = session.raw.me;
        if (who && typeof who.name === "string" && (who.name !== me.name || who.role !== me.role)) {
          Object.assign(me, { name: who.name, role: who.role || me.role, id: who.id || me.id });
          setLocalUser(awareness, me);
        }
        sessionChanged();
      } catch (err) {
        if (err.status === 401 || err.status === 403 || err.status === 404) {
          notice.hidden = false;
          notice.textContent = t("conn.denied", { reason: err.message });
        }
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }
  let refreshTimer = null;
  control.doc.on("update", () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 80);
  });
  // The control document says when the session changed. What it cannot say: new hidden ideas
  // (they live in each author's drafts), which the facilitator reviews; ask more often then.
  let lastPoll = 0;
  setInterval(() => {
    const reviewing = me.role === "facilitator" && session.current?.hidden && !session.current?.revealed
      && session.current?.state !== "planned";
    const every = reviewing ? 2000 : 15000;
    if (Date.now() - lastPoll < every) return;
    lastPoll = Date.now();
    refresh();
  }, 1000);

  const ideaBoard = new IdeaBoard(boardPanel, {
    sid,
    synced: whenSynced(board),
    board: board.doc,
    drafts: drafts?.doc ?? null,
    me,
    session: () => session,
    awareness,
    api,
    online: () => navigator.onLine && board.provider.wsconnected,
    setTyping: (typing) => {
      // Typing just before an anonymous idea appears would say whose it is.
      if (typing && ideaBoard.anonymousNow()) typing = false;
      if (Boolean(awareness.getLocalState()?.typing) !== typing) awareness.setLocalStateField("typing", typing);
    },
    vote: (ideaId, count) => castVote(ideaId, count),
  });

  // Dots: shown at once (optimistically), sent one after another (each PUT sets a count, so
  // order matters), and the server's answer is taken as the truth once nothing is pending.
  let voteQueue = Promise.resolve();
  let pendingVotes = 0;
  function keepVoteFocus(ideaId, added) {
    // Keep the keyboard where it was; a button that just became disabled hands focus on.
    if (document.activeElement !== document.body && !document.activeElement?.disabled) return;
    const keys = [`vote-${added ? "add" : "remove"}-${ideaId}`, `vote-add-${ideaId}`, `vote-remove-${ideaId}`];
    keys.map((key) => document.querySelector(`[data-focus-key="${key}"]`))
      .find((node) => node && !node.disabled)?.focus();
  }
  function castVote(ideaId, count) {
    count = Math.max(0, count);
    voteEpoch += 1;
    const added = count > (session.myVotes[ideaId] || 0);
    session.myVotes = { ...session.myVotes, [ideaId]: count };
    ideaBoard.render();
    keepVoteFocus(ideaId, added);
    pendingVotes += 1;
    voteQueue = voteQueue.then(async () => {
      let result = null;
      try {
        result = await api.vote(ideaId, count);
      } catch (err) {
        announce(t("error.generic", { message: err.message }), true);
      }
      pendingVotes -= 1;
      if (pendingVotes > 0) return;
      if (result?.votes) {
        session.myVotes = result.votes;
        session.voteBudget = result.budget ?? session.voteBudget;
        session.voteCap = result.max_votes_per_idea ?? session.voteCap;
        announce(t("board.vote.left", { n: result.left, budget: result.budget }));
      } else {
        voteEpoch += 1; // refused: the next refresh brings the server's count
        refresh();
      }
      ideaBoard.render();
      keepVoteFocus(ideaId, added);
    });
  }
  ideaBoard.ctx.rate = async (ideaId, originality, feasibility) => {
    try {
      await api.call("PUT", `/ratings/${encodeURIComponent(ideaId)}`, { originality, feasibility });
      session.myRatings = { ...session.myRatings, [ideaId]: { originality, feasibility } };
      announce(t("board.rated"));
    } catch (err) {
      announce(t("error.generic", { message: err.message }), true);
    }
  };
  const roundBanner = new RoundBanner(banner, { waiting: me.role === "facilitator" ? "round.start.hint" : "round.waiting" });
  const presenceList = new PresenceList(presence, awareness);
  let consoleView = null;
  if (consolePanel) {
    let followOn = false;
    consoleView = new Console(consolePanel, {
      api, sid, me, token: creds.token, session: () => session, refresh, board: board.doc, awareness,
      links: () => ({
        join: session.raw?.links?.join
          || (session.raw?.join_code ? `/join/${sid}?code=${encodeURIComponent(session.raw.join_code)}` : null),
      }),
      follow: {
        get: () => followOn,
        set: (on) => {
          followOn = on;
          awareness.setLocalStateField("follow", on);
          awareness.setLocalStateField("view", view);
        },
      },
    });
  }

  let rememberedTitle = creds.title;
  function sessionChanged() {
    title.textContent = session.title || t("session.loading");
    goal.textContent = session.goal;
    goal.hidden = !session.goal;
    if (session.title && session.title !== rememberedTitle) {
      rememberedTitle = session.title;
      remembered.setSession(sid, { ...(remembered.session(sid) || creds), title: session.title, at: Date.now() });
    }
    document.title = `${session.title} · Sprankel`;
    notice.hidden = !(session.ended || session.locked);
    notice.textContent = session.ended ? t("session.ended") : session.locked ? t("session.locked") : "";
    roundBanner.update(session);
    ideaBoard.render();
    consoleView?.render();
    whiteboard?.setReadOnly(readOnly());
    renderWriteButton();
    writing.update();
    summaryButton.textContent = t("session.summary");
    summaryButton.hidden = me.role === "facilitator" || !session.settings?.participants_can_export;
  }

  function readOnly() {
    return me.role === "observer" || session.ended || (session.locked && me.role !== "facilitator");
  }

  // --- follow me ---------------------------------------------------------------------
  function followTarget() {
    return people(awareness).find((p) => p.role === "facilitator" && p.follow && !p.me) || null;
  }
  function renderFollow() {
    const target = me.role === "facilitator" ? null : followTarget();
    followBar.hidden = !target;
    if (!target) return;
    followBar.dataset.leaderView = target.view || "";
    replaceChildren(followBar, [
      h("span", {}, following ? t("session.follow") : ""),
      h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", id: "follow-toggle-me",
        onclick: () => { following = !following; applyFollow(); renderFollow(); } },
      following ? t("session.follow.stop") : t("session.follow.resume")),
    ]);
  }
  function applyFollow() {
    const target = followTarget();
    if (!target || !following) return;
    const wanted = sideBySide && target.view === "whiteboard" ? "board" : target.view;
    if (wanted && views.includes(wanted) && wanted !== view) select(wanted, false);
    if (target.viewport && whiteboard) whiteboard.setViewport(target.viewport);
  }
  awareness.on("change", () => {
    applyFollow();
    renderFollow();
  });

  // --- whiteboard (lazy) --------------------------------------------------------------
  let loading = null;
  function loadWhiteboard() {
    if (loading) return loading;
    wbPanel.append(h("p", { class: "loading" }, t("session.loading")));
    if (data.assets?.whiteboardCss && !document.querySelector("link[data-whiteboard]")) {
      document.head.append(h("link", { rel: "stylesheet", href: data.assets.whiteboardCss, "data-whiteboard": "" }));
    }
    window.EXCALIDRAW_ASSET_PATH = data.assets?.excalidrawAssetPath || "/static/";
    loading = import("../whiteboard/whiteboard.js").then(async ({ mountWhiteboard }) => {
      await board.loaded;
      replaceChildren(wbPanel, []);
      const host = h("div", { class: "whiteboard-host", id: "whiteboard" });
      wbPanel.append(host);
      let lastViewport = 0;
      whiteboard = mountWhiteboard(host, {
        doc: board.doc, awareness, elementsKey: KEYS.whiteboard, assetsKey: KEYS.whiteboardAssets,
        lang: language(), theme: theme(), readOnly,
        labels: { menu: t("whiteboard.menu"), dialog: t("whiteboard.dialog"), footer: t("whiteboard.footer") },
        onFileTooLarge: () => announce(t("whiteboard.too.large"), true),
        onViewport: (scrollX, scrollY, zoom) => {
          if (me.role !== "facilitator" || !awareness.getLocalState()?.follow) return;
          const now = performance.now();
          if (now - lastViewport < 150) return;
          lastViewport = now;
          awareness.setLocalStateField("viewport", { scrollX, scrollY, zoom: zoom.value });
        },
      });
      applyFollow();
    });
    return loading;
  }
  onLanguage((lang) => whiteboard?.setLanguage(lang));
  onTheme((value) => whiteboard?.setTheme(value));

  // --- focused writing view ----------------------------------------------------------
  const writing = new WritingView({
    composer: ideaBoard.composer,
    home: boardPanel,
    session: () => session,
    mine: () => [...readIdeas(board.doc), ...(drafts ? readIdeas(drafts.doc) : [])]
      .filter((i) => ideaBoard.isMine(i) && (!session.current || i.round === session.current.id)),
    onClose: () => writeButton.focus(),
  });
  board.doc.getMap(KEYS.ideas).observeDeep(() => writing.update());
  drafts?.doc.getMap(KEYS.ideas).observeDeep(() => writing.update());
  function renderWriteButton() {
    writeButton.textContent = t("session.write");
    writeButton.onclick = () => writing.open();
    writeButton.hidden = !ideaBoard.canAdd();
  }

  // --- connection indicator -----------------------------------------------------------
  const connection = new Connection(handles, { optional: drafts ? [drafts] : [] });
  connection.onChange((state) => {
    indicator.dataset.state = state;
    indicator.textContent = state === "denied"
      ? t("conn.denied", { reason: connection.denied?.reason || connection.denied?.code })
      : t(`conn.${state}`);
    if (state === "online") refresh();
    ideaBoard.renderComposer();
  });

  setupPage(() => {
    renderTabs();
    sessionChanged();
    presenceList.render();
    connection.changed();
  });
  select(view, false);
  drafts?.loaded.then(() => ideaBoard.setDrafts(drafts.doc));
  await refresh();
}
