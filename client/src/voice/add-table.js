// The form that adds a table to a space (name, seats, muted on arrival, cameras), for the
// tables panel (panel.js); `addTable(fields)` is the API call, `onError(message)` says why not.
import { announce, h } from "../lib/dom.js";
import { t } from "../lib/i18n.js";

export function addTableForm(addTable, onError) {
  const submit = async (e) => {
    e.preventDefault();
    const form = e.target;
    const name = form.querySelector("#voice-new-name").value.trim();
    if (!name) return;
    try {
      await addTable({ name, seats: Number(form.querySelector("#voice-new-seats").value) || 6,
        muted_on_arrival: form.querySelector("#voice-new-muted").checked, cameras: form.querySelector("#voice-new-cameras").checked });
      announce(t("voice.added", { name }));
      form.reset();
    } catch (err) {
      onError(err.message || String(err));
    }
  };
  return h("details", { class: "voice-add" },
    h("summary", {}, t("voice.add")),
    h("form", { class: "inline-form", onsubmit: submit },
      h("label", { for: "voice-new-name", class: "utrecht-form-label" }, t("voice.add.name")),
      h("input", { id: "voice-new-name", class: "utrecht-textbox", maxlength: 40, required: true }),
      h("label", { for: "voice-new-seats", class: "utrecht-form-label" }, t("voice.add.seats")),
      h("input", { id: "voice-new-seats", class: "utrecht-textbox", type: "number", min: 2, max: 12, value: 6 }),
      h("label", { class: "utrecht-form-label" }, h("input", { id: "voice-new-muted", type: "checkbox" }), " ", t("voice.add.muted")),
      h("label", { class: "utrecht-form-label" }, h("input", { id: "voice-new-cameras", type: "checkbox" }), " ", t("voice.add.cameras")),
      h("button", { type: "submit", class: "utrecht-button utrecht-button--secondary-action" }, t("voice.add.submit"))));
}
