// Coffee moments: the space's recurring invitation to a table, in the team's calendar
// (.ics), and the invitation itself when it comes (an in-page notice and, where the
// member allowed it, a browser notification).
import { download } from "../lib/api.js";
import { announce, h, replaceChildren } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

const DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

export function momentsSection(overview, call, act, refresh, token) {
  const list = overview.moments || [];
  const submit = (e) => {
    e.preventDefault();
    const form = e.target;
    const weekdays = DAYS.filter((d) => form.querySelector(`#moment-day-${d}`).checked);
    const body = { weekdays, time: form.querySelector("#moment-time").value,
      duration_min: Number(form.querySelector("#moment-duration").value) || 15,
      pairing: form.querySelector("#moment-pairing").checked };
    act(async () => {
      await call("POST", "/moments", body);
      announce(t("moments.added"));
      await refresh();
    });
  };
  const notifications = typeof Notification !== "undefined";
  return [
    h("h2", { id: "moments-heading", class: "panel-title" }, t("moments.title")),
    list.length
      ? h("ul", { class: "moments" }, list.map((m) => h("li", {}, t("moments.line", {
        days: m.weekdays.map((d) => t(`day.${d}`)).join(", "), time: m.time, minutes: m.duration_min, zone: m.time_zone }),
      m.pairing ? h("span", { class: "tag" }, t("moments.pairing.tag")) : null)))
      : h("p", { class: "hint" }, t("moments.none")),
    list.length ? h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", id: "moments-ics",
      onclick: () => act(() => download(`/api/spaces/${encodeURIComponent(overview.id)}/moments.ics`, token, "koffiemomenten.ics")) },
    t("moments.ics")) : null,
    notifications && Notification.permission === "default"
      ? h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", id: "moments-notify",
        onclick: async () => { await Notification.requestPermission(); refresh(); } }, t("moments.notify"))
      : null,
    h("label", { class: "utrecht-form-label" },
      h("input", { type: "checkbox", id: "pairing-opt-in", checked: Boolean(overview.pairing),
        onchange: (e) => act(async () => { await call("PUT", "/pairing", { on: e.target.checked }); await refresh(); }) }),
      " ", t("moments.pairing.me")),
    h("details", {},
      h("summary", {}, t("moments.add")),
      h("form", { class: "inline-form", onsubmit: submit },
        h("fieldset", {}, h("legend", {}, t("moments.days")),
          DAYS.map((d) => h("label", { class: "day" }, h("input", { type: "checkbox", id: `moment-day-${d}` }), " ", t(`day.${d}`)))),
        h("label", { for: "moment-time", class: "utrecht-form-label" }, t("moments.time", { zone: overview.time_zone || "" })),
        h("input", { id: "moment-time", class: "utrecht-textbox", type: "time", value: "10:00", required: true }),
        h("label", { for: "moment-duration", class: "utrecht-form-label" }, t("moments.duration")),
        h("input", { id: "moment-duration", class: "utrecht-textbox", type: "number", min: 5, max: 120, value: 15 }),
        h("label", { class: "utrecht-form-label" }, h("input", { type: "checkbox", id: "moment-pairing" }), " ", t("moments.pairing")),
        h("button", { type: "submit", class: "utrecht-button utrecht-button--secondary-action" }, t("moments.submit")))),
  ];
}

/**
 * A moment's invitation reached this member: say it on the page with a button that seats
 * them (`join(tableId)`: at their group's own table, or else at the moment's table) and,
 * if allowed, notify.
 */
export function invite(message, me, names, noticeNode, join) {
  const index = (message.pairs || []).findIndex((g) => g.includes(me));
  const group = index >= 0 ? message.pairs[index] : null;
  const others = group ? group.filter((id) => id !== me).map((id) => names.get(id) || "?") : [];
  const text = group ? t("moments.invite.pair", { names: others.join(", ") }) : t("moments.invite");
  const table = (group && message.group_tables?.[index]) || message.moment?.table;
  replaceChildren(noticeNode, [text, " ", table ? h("button", {
    type: "button", class: "utrecht-button utrecht-button--primary-action", id: "moment-join",
    onclick: () => { noticeNode.hidden = true; join(table); },
  }, t(group ? "moments.join.group" : "voice.sit")) : null]);
  noticeNode.hidden = false;
  if (typeof Notification !== "undefined" && Notification.permission === "granted" && document.hidden) {
    try { new Notification(t("moments.title"), { body: text, tag: `moment-${message.id}` }); } catch { /* page only */ }
  }
  return text;
}
