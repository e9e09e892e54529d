// The session's time zone (settings.timezone), which every export uses unless ?tz= says
// otherwise: a field with the browser's list of IANA names.
import { h } from "./dom.js";
import { t } from "./i18n.js";

export function renderTimeZone(s, api, run) {
  const input = h("input", { id: "session-timezone", class: "utrecht-textbox", list: "timezones",
    value: s.settings?.timezone || "", maxlength: 64, disabled: s.ended, autocomplete: "off" });
  let zones = [];
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch {
    zones = [];
  }
  const save = (e) => {
    e.preventDefault();
    const timezone = input.value.trim() || null;
    run(t("console.timezone.save"), () => api.call("PATCH", "/settings", { timezone }), t("console.done.timezone"));
  };
  return h("form", { class: "timezone-form", onsubmit: save },
    h("label", { for: "session-timezone", class: "utrecht-form-label" }, t("console.timezone")),
    input,
    h("datalist", { id: "timezones" }, zones.map((z) => h("option", { value: z }))),
    h("button", { type: "submit", class: "utrecht-button utrecht-button--secondary-action", disabled: s.ended },
      t("console.timezone.save")));
}
