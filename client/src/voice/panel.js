// The tables of a space (or a session's hallway): who sits where, for everyone watching,
// and for the one who sits down: the microphone, the mesh of calls, mute, camera (where
// the table allows it), push to talk and leave. Everything the server says arrives on the
// voice socket; the audio goes straight between the browsers (mesh.js).
import { announce, h, replaceChildren } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { addTableForm } from "./add-table.js";
import { Levels } from "./levels.js";
import { Mesh } from "./mesh.js";
import { VoiceSocket } from "./socket.js";

export const PUSH_TO_TALK_KEY = "v"; // held while muted, outside text fields
const ERRORS = { table_full: "voice.full", not_your_table: "voice.group.not_yours", not_found: "voice.gone" };

/**
 * mountVoice(section, {path, token, me, addTable, hallway, onTables}): `path` is the voice
 * socket's, `addTable(fields)` (optional) adds a table through the API; `hallway` (a
 * session's facilitator) is `(open) => promise`, the control that opens or closes the
 * hallway; `onTables(tables)` hears every view. Returns {sitAt(tableId), rerender, close}.
 */
export function mountVoice(section, { path, token, me, addTable, hallway, onTables, title = "voice.title", intro = "voice.intro" }) {
  const params = new URLSearchParams(location.search);
  // Test hook: ?ice=relay forces TURN (iceTransportPolicy "relay"), as a locked-down
  // network would; it can only make calls harder, never reach anything else.
  const relayOnly = params.get("ice") === "relay";
  const media = h("div", { class: "voice-media", hidden: true });
  const videos = h("div", { class: "voice-videos" });
  const notice = h("p", { class: "voice-notice", role: "alert", hidden: true });
  const body = h("div", {});
  let tables = [];
  let seated = null; // {table, seat, cameras}
  let mesh = null;
  let stream = null;
  let muted = false;
  let camera = false;
  let talking = false; // push to talk held
  let closed = null; // the socket's final close reason
  const levels = new Levels(() => render());
  const remotes = new Map(); // seat -> <audio>/<video>
  let before = new Map(); // seat -> {name, table}: who was where, for announcements

  const socket = new VoiceSocket(path, token, onMessage, (code, reason, retrying) => {
    if (retrying) return;
    closed = code === 4403 || code === 4401 ? t("voice.removed") : reason || t("voice.closed");
    hangUp();
    render();
  });

  function onMessage(m) {
    if (m.type === "tables" && Array.isArray(m.tables)) {
      tables = m.tables;
      onTables?.(tables);
      announceChanges();
      if (seated && mesh) mesh.keepOnly(new Set(sittingAt(seated.table).map((s) => s.seat)));
      render();
    } else if (m.type === "seated") {
      startMesh(m);
    } else if (m.type === "signal") {
      mesh?.receive(m);
    } else if (m.type === "left") {
      hangUp();
      render();
    } else if (m.type === "error") {
      showNotice(t(ERRORS[m.error] || "voice.error", { message: m.message || "" }));
    }
  }

  function sittingAt(tableId) {
    return tables.find((x) => x.id === tableId)?.sitting || [];
  }

  function tableName(table) {
    if (table.id === "koffietafel") return t("voice.koffietafel");
    const group = /^koffie-(\d+)$/.exec(table.id); // a coffee moment's group (koffiehoek/groups.py)
    if (group) return t("voice.group.table", { n: group[1] });
    return table.id === "gang" ? t("hallway.table") : table.name;
  }

  function announceChanges() {
    const now = new Map();
    for (const table of tables) for (const s of table.sitting) now.set(s.seat, { name: s.name, table: tableName(table) });
    const lines = [];
    for (const [seat, was] of before) if (!now.has(seat)) lines.push(t("voice.announce.left", was));
    for (const [seat, is] of now) if (!before.has(seat) && seat !== seated?.seat) lines.push(t("voice.announce.joined", is));
    before = now;
    if (lines.length) announce(lines.join(" "));
  }

  function showNotice(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  async function sit(table) {
    showNotice("");
    if (!stream) stream = await microphone();
    socket.send({ type: "sit", table: table.id });
  }

  async function microphone() {
    if (!navigator.mediaDevices?.getUserMedia) {
      showNotice(t("voice.mic.missing"));
      return null;
    }
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    } catch (err) {
      const refused = err?.name === "NotAllowedError" || err?.name === "SecurityError";
      showNotice(t(refused ? "voice.mic.refused" : "voice.mic.missing"));
      return null;
    }
  }

  function startMesh(m) {
    hangUp(false);
    seated = { table: m.table, seat: m.seat, cameras: Boolean(m.cameras) };
    muted = Boolean(m.muted);
    camera = false;
    mesh = new Mesh({
      send: (message) => socket.send(message), iceServers: m.ice_servers, relayOnly,
      stream: stream || new MediaStream(), cameras: seated.cameras,
      onRemote: (seat, remote) => playRemote(seat, remote),
      onGone: (seat) => { levels.unwatch(seat); remotes.get(seat)?.remove(); remotes.delete(seat); },
    });
    applyMute();
    if (stream) levels.watch("me", stream);
    for (const peer of m.peers || []) mesh.call(peer.seat);
    announce(t("voice.announce.you", { table: tableName(tables.find((x) => x.id === m.table) || { id: m.table, name: "" }) }));
    render();
    section.querySelector("[data-focus-key=voice-mute]")?.focus();
  }

  function playRemote(seat, remote) {
    let element = remotes.get(seat);
    const video = remote.getVideoTracks().length > 0;
    if (!element || (video && element.tagName !== "VIDEO")) {
      element?.remove();
      element = h(video ? "video" : "audio", { autoplay: true, playsinline: true, dataset: { seat } });
      (video ? videos : media).append(element);
      remotes.set(seat, element);
    }
    element.srcObject = remote;
    element.play?.().catch(() => {});
    levels.watch(seat, remote);
  }

  function hangUp(stopMic = true) {
    mesh?.close();
    mesh = null;
    seated = null;
    levels.unwatch("me");
    if (stopMic && stream) {
      for (const track of stream.getTracks()) track.stop();
      stream = null;
    }
    for (const element of remotes.values()) element.remove();
    remotes.clear();
  }

  function applyMute() {
    const on = !muted || talking;
    for (const track of stream?.getAudioTracks() || []) track.enabled = on;
  }

  function setMuted(value) {
    muted = value;
    applyMute();
    socket.send({ type: "state", muted, camera });
    announce(t(muted ? "voice.muted" : "voice.unmuted"));
    render();
  }

  async function toggleCamera() {
    if (!mesh) return;
    if (camera) {
      await mesh.setCamera(null);
      camera = false;
    } else {
      try {
        const video = await navigator.mediaDevices.getUserMedia({ video: true });
        await mesh.setCamera(video.getVideoTracks()[0]);
        camera = true;
      } catch {
        showNotice(t("voice.camera.refused"));
      }
    }
    socket.send({ type: "state", muted, camera });
    render();
  }

  function pushToTalk(event, down) {
    if (!seated || !muted || event.key.toLowerCase() !== PUSH_TO_TALK_KEY || event.ctrlKey || event.altKey || event.metaKey) return;
    const target = event.target;
    if (target?.closest?.("input, textarea, select, [contenteditable]")) return;
    if (down && event.repeat) return;
    talking = down;
    applyMute();
    render();
  }
  document.addEventListener("keydown", (e) => pushToTalk(e, true));
  document.addEventListener("keyup", (e) => pushToTalk(e, false));

  function person(s, table) {
    const me_ = s.seat === seated?.seat;
    const speaking = levels.speaking(me_ ? "me" : s.seat) && !(me_ && muted && !talking);
    return h("li", { class: `voice-person${speaking ? " speaking" : ""}`, dataset: { seat: s.seat } },
      h("span", { class: "voice-level", "aria-hidden": "true" }),
      h("span", { class: "person-name" }, s.name),
      s.member === me ? h("span", { class: "tag" }, t("presence.you")) : null,
      s.muted ? h("span", { class: "tag" }, t("voice.tag.muted")) : null,
      s.camera && table.cameras ? h("span", { class: "tag" }, t("voice.tag.camera")) : null,
      speaking ? h("span", { class: "tag voice-speaking" }, t("voice.tag.speaking")) : null);
  }

  function renderTable(table) {
    const here = seated?.table === table.id;
    const full = table.sitting.length >= table.seats;
    const others = Array.isArray(table.members) && !table.members.includes(me); // another group's
    const name = tableName(table);
    const headingId = `voice-table-${table.id}`;
    return h("li", { class: `voice-table${here ? " here" : ""}`, dataset: { table: table.id } },
      h("h3", { id: headingId, class: "panel-title" }, name, " ",
        h("span", { class: "hint" }, t("voice.seats", { n: table.sitting.length, max: table.seats }))),
      table.cameras ? h("p", { class: "hint" }, t("voice.cameras.allowed")) : null,
      table.members ? h("p", { class: "hint" }, t(others ? "voice.group.other" : "voice.group.yours")) : null,
      table.sitting.length
        ? h("ul", { class: "presence voice-sitting", "aria-labelledby": headingId }, table.sitting.map((s) => person(s, table)))
        : h("p", { class: "hint" }, t("voice.empty")),
      here
        ? h("div", { class: "voice-controls" },
          h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", "aria-pressed": String(muted),
            dataset: { focusKey: "voice-mute" }, onclick: () => setMuted(!muted) }, t(muted ? "voice.unmute" : "voice.mute")),
          table.cameras ? h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", "aria-pressed": String(camera),
            dataset: { focusKey: "voice-camera" }, onclick: () => toggleCamera() }, t(camera ? "voice.camera.off" : "voice.camera.on")) : null,
          h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", dataset: { focusKey: "voice-leave" },
            onclick: () => socket.send({ type: "leave" }) }, t("voice.leave")))
        : others ? null : h("button", { type: "button", class: "utrecht-button utrecht-button--primary-action", disabled: full || Boolean(closed),
          dataset: { focusKey: `voice-sit-${table.id}` }, "aria-describedby": headingId,
          onclick: () => sit(table) }, t(full ? "voice.full.short" : "voice.sit")));
  }

  function render() {
    replaceChildren(body, [
      closed ? h("p", { class: "notice" }, closed) : null,
      !tables.length && !closed ? h("p", { class: "hint" }, t("voice.none")) : null,
      hallway ? h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", id: "hallway-toggle",
        dataset: { focusKey: "hallway-toggle" },
        onclick: async () => {
          try {
            await hallway(!tables.length);
            announce(t(tables.length ? "hallway.closed" : "hallway.opened"));
          } catch (err) { showNotice(err.message || String(err)); }
        } }, t(tables.length ? "hallway.close" : "hallway.open")) : null,
      h("ul", { class: "voice-tables" }, tables.map(renderTable)),
      seated ? h("p", { class: "hint ptt-hint", id: "voice-ptt" }, t("voice.ptt", { key: PUSH_TO_TALK_KEY.toUpperCase() }),
        talking ? h("strong", {}, " ", t("voice.talking")) : null) : null,
    ]);
  }

  function renderAll() {
    // The heading and the form in the page's language; the calls (media) stay as they are.
    replaceChildren(section, [
      h("h2", { id: "voice-heading", class: "panel-title" }, t(title)),
      h("p", { class: "hint" }, t(intro)),
      notice, body, addTable ? addTableForm(addTable, showNotice) : null, videos, media,
    ]);
    render();
  }
  renderAll();
  socket.connect();

  // Test hook (a page's own call statistics, nothing more): the bytes each seat received.
  if (params.has("voicetest")) window.sprankelVoice = { stats: () => (mesh ? mesh.stats() : Promise.resolve({})), seat: () => seated?.seat || null, iceErrors: () => mesh?.iceErrors || [],
    connections: () => (mesh ? [...mesh.peers.values()].map((p) => p.pc) : []) };
  // A moment's invitation seats its member at a table by id (their group's, or the moment's).
  const sitAt = (id) => sit(tables.find((x) => x.id === id) || { id });
  return { sitAt, rerender: renderAll, close: () => { hangUp(); socket.close(); levels.close(); } };
}
