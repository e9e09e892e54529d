// A person's name, asked the same way in every form (joining a session, the facilitator's
// name on the home page, the Koffiehoek's two forms): the server's one limit
// (kernel/limits.py MAX_NAME, handed over in the page data) as maxlength, said in the hint,
// with a counter, so a name is never cut without the user seeing it.
import { h, pageData } from "./dom.js";
import { t } from "./i18n.js";

export const NAME_MAX = pageData().limits?.name;

/** id: the input's id; label; value; oninput(value); hint: a line before the limit. */
export function nameField({ id, label, value = "", oninput, hint, required = true }) {
  const count = h("span", { class: "char-count", id: `${id}-count` });
  const show = (text) => {
    count.textContent = t("name.count", { n: text.length, max: NAME_MAX });
    count.classList.toggle("char-count-full", text.length >= NAME_MAX);
  };
  show(value);
  const input = h("input", {
    id, class: "utrecht-textbox", value, maxlength: NAME_MAX, required, autocomplete: "nickname",
    // A page drawn again while someone types (the join page, once it knows the session's
    // title) keeps the focus and the caret here.
    "data-focus-key": id,
    "aria-describedby": `${id}-hint ${id}-count`,
    oninput: (e) => {
      show(e.target.value);
      oninput?.(e.target.value);
    },
  });
  return h("div", { class: "utrecht-form-field" },
    h("label", { for: id, class: "utrecht-form-label" }, label),
    h("p", { class: "utrecht-form-field-description", id: `${id}-hint` },
      hint ? [hint, " "] : null, t("name.limit", { n: NAME_MAX })),
    input, count);
}
