// Who is available: your own status in the space (until the end of the day) and the
// status beside each name. "Who wants coffee?" only calls those who are available.
import { announce, h } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

export const STATUSES = ["available", "in_session", "focus", "away"];

/** The tags beside a member's name: their status (when not simply available) and note. */
export function statusTags(statuses, id) {
  const s = statuses?.[id];
  if (!s) return [];
  return [
    s.status !== "available" ? h("span", { class: `tag status-${s.status}` }, t(`status.${s.status}`)) : null,
    s.note ? h("span", { class: "status-note" }, s.note) : null,
  ];
}

/** Your own status: a form that saves through PUT /status. */
export function statusForm(overview, call, act, refresh) {
  const mine = overview.statuses?.[overview.me.id] || { status: "available", note: "" };
  const submit = (e) => {
    e.preventDefault();
    const form = e.target;
    const status = form.querySelector("#my-status").value;
    const note = form.querySelector("#my-status-note").value.trim();
    act(async () => {
      await call("PUT", "/status", { status, note });
      announce(t("status.saved", { status: t(`status.${status}`) }));
      await refresh();
    });
  };
  return h("form", { class: "status-form", onsubmit: submit },
    h("label", { for: "my-status", class: "utrecht-form-label" }, t("status.mine")),
    h("select", { id: "my-status", class: "utrecht-select", dataset: { focusKey: "my-status" } },
      STATUSES.map((s) => h("option", { value: s, selected: s === mine.status }, t(`status.${s}`)))),
    h("label", { for: "my-status-note", class: "utrecht-form-label" }, t("status.note")),
    h("input", { id: "my-status-note", class: "utrecht-textbox", maxlength: 80, value: mine.note || "", dataset: { focusKey: "my-status-note" } }),
    h("p", { class: "hint" }, t("status.until")),
    h("button", { type: "submit", class: "utrecht-button utrecht-button--secondary-action" }, t("status.save")));
}
