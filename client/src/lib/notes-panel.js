// The console's notes, decisions and action items (with an owner by name, except in an
// anonymous session): kept in the board document, so the summary has them.
import { h, replaceChildren } from "./dom.js";
import { t } from "./i18n.js";
import { addNote, deleteNote, readNotes, setNoteDone } from "./model.js";
import { people } from "./presence.js";

export function renderNotes(ctx, onDraw) {
  const list = h("ul", { class: "notes" });
  const draw = () => replaceChildren(list, readNotes(ctx.board).map((note) =>
    h("li", { class: note.done ? "note done" : "note", dataset: { note: note.id } },
      note.kind === "action" ? h("input", { type: "checkbox", checked: note.done, "aria-labelledby": `note-${note.id}`,
        onchange: (e) => setNoteDone(ctx.board, note.id, e.target.checked) }) : null,
      h("span", { id: `note-${note.id}` }, h("strong", {}, `${t(`console.note.${note.kind}`)}: `), note.text,
        note.kind === "action" && typeof note.owner === "string" && note.owner
          ? h("span", { class: "hint" }, ` · ${t("console.note.owner")}: ${note.owner}`) : null),
      h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", "aria-describedby": `note-${note.id}`,
        onclick: () => deleteNote(ctx.board, note.id) }, t("board.delete")))));
  onDraw(draw);
  draw();
  let kind = "note";
  const text = h("input", { id: "note-text", class: "utrecht-textbox", maxlength: 500 });
  // Who does an action item, by name (the summary names the owner; an anonymous
  // session names nobody, so it asks for no one).
  const anonymous = Boolean(ctx.session().settings?.anonymous);
  const owner = h("input", { id: "note-owner", class: "utrecht-textbox", maxlength: 100, list: "note-owners", autocomplete: "off" });
  const names = [...new Set(people(ctx.awareness).map((p) => p.name).filter(Boolean))];
  const add = (e) => {
    e.preventDefault();
    if (!text.value.trim()) return;
    addNote(ctx.board, kind, text.value.trim(), kind === "action" && !anonymous ? owner.value.trim() : null);
    text.value = "";
    owner.value = "";
    text.focus();
  };
  return h("section", { class: "card", "aria-labelledby": "console-notes" },
    h("h3", { id: "console-notes" }, t("console.notes")),
    h("p", { class: "hint" }, t("console.notes.hint")),
    list,
    h("form", { class: "note-form", onsubmit: add },
      h("label", { for: "note-kind", class: "utrecht-form-label" }, t("console.note.kind")),
      h("select", { id: "note-kind", class: "utrecht-select", onchange: (e) => { kind = e.target.value; } },
        ["note", "decision", "action"].map((k) => h("option", { value: k }, t(`console.note.${k}`)))),
      h("label", { for: "note-text", class: "utrecht-form-label" }, t("console.note.text")),
      text,
      anonymous ? null : [
        h("label", { for: "note-owner", class: "utrecht-form-label" }, t("console.note.owner")),
        owner,
        h("datalist", { id: "note-owners" }, names.map((n) => h("option", { value: n }))),
      ],
      h("button", { type: "submit", class: "utrecht-button utrecht-button--secondary-action" }, t("console.note.add"))));
}
