// What every page shares: the language and theme switches in the header, the live regions,
// and error messages users can act on.
import { h, replaceChildren } from "./dom.js";
import { language, onLanguage, setLanguage, t, translate } from "./i18n.js";
import { remembered } from "./storage.js";

export function theme() {
  const chosen = remembered.theme();
  if (chosen === "dark" || chosen === "light") return chosen;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

const themeListeners = new Set();
export function onTheme(fn) {
  themeListeners.add(fn);
}

function applyTheme(value) {
  document.documentElement.dataset.theme = value;
  // The server renders the next page in the same theme (no flash of the other one).
  document.cookie = `sprankel_theme=${value}; path=/; max-age=31536000; samesite=lax`;
  for (const fn of themeListeners) fn(value);
}

/** Sets up the header controls; `render` is called now and after every language switch. */
export function setupPage(render) {
  applyTheme(theme());
  const controls = document.getElementById("page-controls");
  const draw = () => {
    translate();
    if (!controls) return;
    const dark = theme() === "dark";
    replaceChildren(controls, [
      h("button", {
        type: "button", class: "utrecht-button utrecht-button--subtle", lang: language() === "nl" ? "en" : "nl",
        "aria-label": t("lang.switch.label"), id: "lang-switch", "data-focus-key": "lang",
        onclick: () => setLanguage(language() === "nl" ? "en" : "nl"),
      }, t("lang.switch")),
      h("button", {
        // The label says what a click does: to the light theme from the dark one.
        type: "button", class: "utrecht-button utrecht-button--subtle", id: "theme-switch",
        "data-focus-key": "theme",
        onclick: () => {
          const next = theme() === "dark" ? "light" : "dark";
          remembered.setTheme(next);
          applyTheme(next);
          draw();
        },
      }, t(dark ? "theme.light" : "theme.dark")),
    ]);
  };
  onLanguage(() => {
    draw();
    render?.();
  });
  draw();
  render?.();
}

export function errorText(err) {
  if (err?.status === 0) return t("error.network");
  return t("error.generic", { message: err?.message || String(err) });
}

export function showError(node, err) {
  node.hidden = false;
  node.textContent = typeof err === "string" ? err : errorText(err);
  node.focus?.();
}
