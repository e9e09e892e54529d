// The session page: round banner, idea board, whiteboard (lazy), presence, connection
// indicator, focused writing view and, for facilitators, the console.
//
// The composition root: it opens the documents, makes the one store (session/store.js) and
// hands it to the views around it, which render from it when it notifies.
import { IdeaBoard } from "../board/board.js";
import { anonymousNow } from "../board/phase.js";
import { sessionApi } from "../lib/api.js";
import { setupPage } from "../lib/chrome.js";
import { Console } from "../lib/console.js";
import { HallwayControl } from "../lib/hallway-control.js";
import { announce, h, pageData, replaceChildren } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { readIdeas, readSheet } from "../lib/model.js";
import { PresenceList, setLocalUser } from "../lib/presence.js";
import { remembered } from "../lib/storage.js";
import { Connection, openDocument, whenSynced } from "../lib/sync.js";
import { RoundBanner } from "../lib/timer.js";
import { WritingView } from "../lib/writing.js";
import { Celebration } from "../session/celebrate.js";
import { DraftsWatch } from "../session/drafts-watch.js";
import { Reactions } from "../session/reactions.js";
import { SessionHead } from "../session/head.js";
import { SessionLayout } from "../session/layout.js";
import { mountVoice } from "../voice/panel.js";
import { SessionStore } from "../session/store.js";
import { Summon } from "../session/summon.js";
import { WhiteboardPanel } from "../session/whiteboard-panel.js";

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

const creds = credentials();
if (!creds?.token) {
  setupPage(() => replaceChildren(app, [h("div", { class: "card" }, h("h1", { class: "utrecht-heading-1" }, t("join.title")), h("p", {}, t("session.notoken")))]));
} else {
  start(creds);
}

/** Keeps the keyboard where it was; a vote button that just became disabled hands focus on. */
function keepVoteFocus(ideaId, added) {
  if (document.activeElement !== document.body && !document.activeElement?.disabled) return;
  const keys = [`vote-${added ? "add" : "remove"}-${ideaId}`, `vote-add-${ideaId}`, `vote-remove-${ideaId}`];
  keys.map((key) => document.querySelector(`[data-focus-key="${key}"]`))
    .find((node) => node && !node.disabled)?.focus();
}

function start(creds) {
  const claims = tokenClaims(creds.token);
  const me = {
    id: claims.participant_id || creds.participant_id || `anonymous-${sid}`,
    name: creds.name || remembered.name() || t("presence.facilitator"),
    role: claims.role || creds.role || "participant",
  };
  const facilitator = me.role === "facilitator";
  const board = openDocument(`sessions/${sid}/board`, creds.token, { offline: me.role !== "observer" });
  const control = openDocument(`sessions/${sid}/control`, creds.token, { awareness: false });
  const drafts = me.role === "participant"
    ? openDocument(`sessions/${sid}/drafts/${me.id}`, creds.token, { offline: true, awareness: false }) : null;
  const awareness = board.provider.awareness;
  setLocalUser(awareness, me);

  const store = new SessionStore({
    control: control.doc, api: sessionApi(sid, creds.token), me,
    ui: { view: data.page === "console" && facilitator ? "console" : "board", sideBySide: remembered.sideBySide() },
  });
  store.subscribe((what) => {
    if (what === "me") setLocalUser(awareness, me);
  });
  const session = () => store.state();

  const layout = new SessionLayout(app, {
    store, awareness, facilitator,
    // The facilitator opens the console to review hidden ideas: bring the list up to date.
    onSelect: (name, byUser) => { if (byUser && name === "console") store.refresh(); },
  });
  const whiteboard = new WhiteboardPanel(layout.wbPanel, {
    board, awareness, store, assets: data.assets, onMounted: () => layout.applyFollow(),
    ideaBoard: () => ideaBoard,
  });
  layout.whiteboard = whiteboard;
  const summon = new Summon({ store, awareness, layout, whiteboard });
  layout.energyBar.append(summon.button);
  const reactions = new Reactions(layout.reactionsBar, {
    api: store.api, awareness: control.provider.awareness,
    canSend: () => me.role !== "observer" && !session().ended,
  });

  const ideaBoard = new IdeaBoard(layout.boardPanel, {
    sid, synced: whenSynced(board), board: board.doc, drafts: drafts?.doc ?? null, me, session,
    api: store.api,
    online: () => navigator.onLine && board.provider.wsconnected,
    setTyping: (typing) => {
      // Typing just before an anonymous idea appears would say whose it is.
      if (typing && anonymousNow(session(), Boolean(ideaBoard.ctx.drafts))) typing = false;
      if (Boolean(awareness.getLocalState()?.typing) !== typing) awareness.setLocalStateField("typing", typing);
    },
    vote: async (ideaId, count) => {
      const added = count > (session().myVotes[ideaId] || 0);
      const settled = store.castVote(ideaId, count);
      keepVoteFocus(ideaId, added);
      const result = await settled;
      if (result.error) announce(t("error.generic", { message: result.error.message }), true);
      if (result.ok && result.last) announce(t("board.vote.left", { n: result.left, budget: result.budget }));
      if (result.last) keepVoteFocus(ideaId, added);
    },
    rate: async (ideaId, originality, feasibility) => {
      try {
        await store.rate(ideaId, originality, feasibility);
        announce(t("board.rated"));
      } catch (err) {
        announce(t("error.generic", { message: err.message }), true);
      }
    },
  });
  const roundBanner = new RoundBanner(layout.banner, { waiting: facilitator ? "round.start.hint" : "round.waiting" });
  const presenceList = new PresenceList(layout.presence, awareness);
  // The hallway ("gang"): talk before the start and after the end, as in a room.
  const hallwayNode = h("section", { class: "card voice hallway", id: "voice", "aria-labelledby": "voice-heading" });
  layout.presence.after(hallwayNode);
  const setHallway = facilitator ? (open) => store.api.call("PUT", "/hallway", { open }) : null;
  // The console's control of it follows the hallway's own socket (open: a table is there).
  const hallwayControl = setHallway && layout.consolePanel ? new HallwayControl(setHallway) : null;
  const hallway = mountVoice(hallwayNode, {
    path: `/voice/sessions/${encodeURIComponent(sid)}`, token: creds.token, me: me.id,
    title: "hallway.title", intro: "hallway.intro", hallway: setHallway,
    onTables: (tables) => hallwayControl?.update(tables.length > 0),
  });
  const consoleView = layout.consolePanel ? new Console(layout.consolePanel, {
    api: store.api, sid, me, token: creds.token, session, refresh: () => store.refresh(), board: board.doc, awareness,
    hallway: hallwayControl,
    links: () => {
      const { links, joinCode } = session();
      return { join: links?.join || (joinCode ? `/join/${sid}?code=${encodeURIComponent(joinCode)}` : null) };
    },
    follow: {
      get: () => store.ui.leading,
      set: (on) => {
        store.setUi({ leading: on });
        awareness.setLocalStateField("follow", on);
        awareness.setLocalStateField("view", store.ui.view);
      },
    },
  }) : null;
  if (facilitator) new DraftsWatch({ sid, token: creds.token, store, awareness });

  const writing = new WritingView({
    composer: ideaBoard.composer,
    home: layout.boardPanel,
    session,
    mine: () => [...readIdeas(board.doc), ...(drafts ? readIdeas(drafts.doc) : [])]
      .filter((i) => ideaBoard.isMine(i) && (!session().current || i.round === session().current.id)),
    // Brainwriting: the sheet in hand, to build on, stays in view while writing.
    sheet: () => (drafts && session().current?.kind === "brainwrite" ? readSheet(drafts.doc) : null),
    onClose: () => layout.writeButton.focus(),
  });
  drafts?.doc.getMap("sheet").observeDeep(() => writing.update());
  board.doc.getMap("ideas").observeDeep(() => writing.update());
  drafts?.doc.getMap("ideas").observeDeep(() => writing.update());
  const head = new SessionHead({
    sid, creds, store, layout, canAdd: () => ideaBoard.canAdd(), openWriting: () => writing.open(),
  });

  const celebration = new Celebration();
  celebration.update(session());
  store.subscribe((what) => {
    if (what !== "session" && what !== "me") return;
    celebration.update(session());
    reactions.render();
    roundBanner.update(session());
    ideaBoard.render();
    consoleView?.update();
    writing.update();
  });

  const connection = new Connection([board, control, ...(drafts ? [drafts] : [])], { optional: drafts ? [drafts] : [] });
  connection.onChange((state) => {
    head.renderConnection(state, connection.denied);
    // Back online: what happened to the caller's share meanwhile (the control document
    // brings the public state by itself).
    if (state === "online") store.refresh();
    ideaBoard.composerView.render(); // anonymous ideas need the connection
  });

  setupPage(() => {
    layout.renderTabs();
    summon.render();
    reactions.render();
    head.render();
    roundBanner.update(session());
    ideaBoard.render();
    consoleView?.render();
    writing.update();
    presenceList.render();
    hallway.rerender();
    hallwayControl?.render();
    connection.changed();
  });
  layout.select(store.ui.view, false);
  drafts?.loaded.then(() => ideaBoard.setDrafts(drafts.doc));
  store.onNewToken = (token, role) => {
    remembered.setSession(sid, { ...(remembered.session(sid) || {}), token, role });
    location.replace(role === "facilitator" ? `/s/${encodeURIComponent(sid)}/console` : `/s/${encodeURIComponent(sid)}`);
  };
  store.refresh();
}
