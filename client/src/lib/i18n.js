// Dutch and English. The language comes from (1) what the user chose before, (2) the
// browser's preferred languages, (3) Dutch. Switching re-renders the page's text and is
// remembered in localStorage and a cookie (so the server sets <html lang> right away).
import en from "../../../server/sprankel/messages/en.json";
import nl from "../../../server/sprankel/messages/nl.json";
import { remembered } from "./storage.js";

// The catalogues are data, shared with the server (the Markdown export and the page shell
// read the same files); esbuild bundles them. Keys: see server/sprankel/messages/__init__.py.
const messages = { nl, en };

export const LANGUAGES = ["nl", "en"];

function fromBrowser() {
  for (const tag of navigator.languages || [navigator.language]) {
    const base = String(tag || "").toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "nl";
}

let current = LANGUAGES.includes(remembered.language()) ? remembered.language() : fromBrowser();
const listeners = new Set();

export function language() {
  return current;
}

export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang) || lang === current) return;
  current = lang;
  remembered.setLanguage(lang);
  document.cookie = `sprankel_lang=${lang}; path=/; max-age=31536000; samesite=lax`;
  document.documentElement.lang = lang;
  for (const fn of listeners) fn(lang);
}

/** Calls fn now and after every language switch. */
export function onLanguage(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function t(key, vars = {}) {
  const text = messages[current][key] ?? messages.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** Fills every [data-i18n] element's text (and [data-i18n-*] attributes) below root. */
export function translate(root = document) {
  document.documentElement.lang = current;
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of node.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      node.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

export function formatDuration(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, "0")}`;
}

export function messageKeys(lang) {
  return Object.keys(messages[lang]);
}
