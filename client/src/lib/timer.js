// The round banner: prompt, kind and a countdown from the server's deadline. The clock
// offset comes from the server's `server_time`, so every participant sees the same
// remaining time whatever their own clock says. At the end: a visual cue, an optional
// short sound, and an announcement for screen readers (also at one minute left).
import { announce, h, replaceChildren } from "./dom.js";
import { formatDuration, t } from "./i18n.js";

export class RoundBanner {
  constructor(root, { soundToggle = true, waiting = "round.waiting" } = {}) {
    this.waiting = waiting;
    this.root = root;
    this.state = null;
    this.lastRoundId = null;
    this.warned = false;
    this.finished = false;
    this.sound = false;
    this.soundToggle = soundToggle;
    this.clock = h("span", { class: "timer-clock", role: "timer", "aria-label": t("round.timer.label") });
    this.interval = setInterval(() => this.tick(), 250);
  }

  /** state: normalized session state (state.js) */
  update(state) {
    const round = state.current;
    if (round && round.id !== this.lastRoundId) {
      if (this.lastRoundId !== null && round.state === "running") {
        announce(t("round.started", { prompt: round.prompt || t(`kind.${round.kind}`) }), true);
      }
      this.lastRoundId = round.id;
      this.warned = false;
      this.finished = false;
      this.root.classList.remove("finished");
    }
    // The server may end the round before our clock saw the deadline pass (or the
    // facilitator ends it early): the cue belongs to the end, whoever noticed it first.
    if (round && round.state === "ended" && this.lastState === "running") this.finish();
    this.lastState = round?.state ?? null;
    this.state = state;
    this.render();
  }

  finish() {
    if (this.finished) return;
    this.finished = true;
    this.root.classList.add("finished");
    announce(t("round.over"), true);
    if (this.sound) beep();
  }

  remaining() {
    const s = this.state;
    const round = s?.current;
    if (!round) return null;
    if (round.state === "paused") return round.remaining_ms ?? null;
    if (round.state !== "running" || !s.deadline) return round.state === "ended" ? 0 : null;
    return s.deadline - (Date.now() + s.clockOffset);
  }

  render() {
    const round = this.state?.current;
    if (!round) {
      replaceChildren(this.root, [h("p", { class: "round-none" }, this.state?.ended ? t("session.ended") : t(this.waiting))]);
      this.root.dataset.state = "none";
      return;
    }
    this.root.dataset.state = round.state;
    this.clock.setAttribute("aria-label", t("round.timer.label"));
    replaceChildren(this.root, [
      h("div", { class: "round-info" },
        h("p", { class: "round-kind" }, t(`kind.${round.kind}`) + " · " + t(`state.${round.state}`)),
        h("p", { class: "round-prompt", id: "round-prompt" }, round.prompt || ""),
        round.icebreaker ? h("p", { class: "round-icebreaker" }, `${t("console.icebreaker")}: ${round.icebreaker}`) : null,
        round.hidden && round.state !== "ended" ? h("p", { class: "hint" }, t("round.hidden")) : null,
        round.awaiting_reveal ? h("p", { class: "hint awaiting-reveal" }, t("round.awaiting_reveal")) : null),
      h("div", { class: "round-timer" }, this.clock,
        this.soundToggle ? h("label", { class: "sound-toggle" },
          h("input", { type: "checkbox", checked: this.sound, onchange: (e) => { this.sound = e.target.checked; } }),
          " ", t("round.sound")) : null),
    ]);
    this.tick();
  }

  tick() {
    const ms = this.remaining();
    if (ms === null) {
      this.clock.textContent = "";
      return;
    }
    const round = this.state.current;
    this.clock.textContent = round.state === "paused" ? `${formatDuration(ms)} · ${t("round.paused")}`
      : ms > 0 ? formatDuration(ms) : t("round.ended");
    this.root.classList.toggle("ending", round.state === "running" && ms > 0 && ms <= 10000);
    if (round.state !== "running") return;
    if (!this.warned && ms <= 60000 && ms > 55000) {
      this.warned = true;
      announce(t("round.ends.soon"));
    }
    if (ms <= 0) this.finish();
  }

  destroy() {
    clearInterval(this.interval);
  }
}

function beep() {
  try {
    const audio = new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 660;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.8);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.8);
  } catch {
    // No audio: the visual cue and the announcement remain.
  }
}
