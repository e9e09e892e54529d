// The session's head and bar: title and goal, the notice (locked, ended, no access), the
// summary download (when participants may export), the writing view's button and the
// connection indicator. Rendered from the store.
import { download } from "../lib/api.js";
import { announce } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { remembered } from "../lib/storage.js";

export class SessionHead {
  /** ctx: {sid, creds, store, layout, canAdd(), openWriting()} */
  constructor(ctx) {
    this.ctx = ctx;
    ctx.layout.summaryButton.onclick = async () => {
      try {
        await download(`/api/sessions/${encodeURIComponent(ctx.sid)}/export.md`, ctx.creds.token, "sprankel.md");
      } catch (err) {
        announce(t("error.generic", { message: err.message }), true);
      }
    };
    ctx.store.subscribe((what) => {
      if (what === "session" || what === "me") this.render();
    });
  }

  render() {
    const { creds, layout, sid, store } = this.ctx;
    const s = store.state();
    layout.title.textContent = s.title || t("session.loading");
    layout.goal.textContent = s.goal;
    layout.goal.hidden = !s.goal;
    // The title, for the list of recent sessions on the home page.
    const known = remembered.session(sid) || creds;
    if (s.title && s.title !== known.title) {
      remembered.setSession(sid, { ...known, title: s.title, at: Date.now() });
    }
    document.title = `${s.title} · Sprankel`;
    const notice = store.denied ? t("conn.denied", { reason: store.denied })
      : s.ended ? t("session.ended") : s.locked ? t("session.locked") : "";
    layout.notice.hidden = !notice;
    layout.notice.textContent = notice;
    layout.writeButton.textContent = t("session.write");
    layout.writeButton.onclick = () => this.ctx.openWriting();
    layout.writeButton.hidden = !this.ctx.canAdd();
    layout.summaryButton.textContent = t("session.summary");
    layout.summaryButton.hidden = store.me.role === "facilitator" || !s.settings?.participants_can_export;
  }

  /** The connection indicator: state is Connection's ("online", "offline", ...). */
  renderConnection(state, denied) {
    const { indicator } = this.ctx.layout;
    indicator.dataset.state = state;
    indicator.textContent = state === "denied"
      ? t("conn.denied", { reason: denied?.reason || denied?.code })
      : t(`conn.${state}`);
  }
}
