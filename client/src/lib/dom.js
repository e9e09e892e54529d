// Building DOM nodes. Text always goes in through textContent (never innerHTML), so user
// text can never become markup.

/**
 * h("button", {class: "x", onclick: fn, "aria-label": "..."}, "text", childNode)
 * Attributes starting with "on" become event listeners; `false`/`null` attributes are left out.
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      node.className = value;
    } else if (name === "style") {
      // Through the CSSOM: a style attribute in markup would need 'unsafe-inline' in the CSP.
      for (const [prop, v] of Object.entries(value)) node.style.setProperty(prop, v);
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else if (name === "value" || name === "checked" || name === "disabled" || name === "hidden") {
      node[name] = value;
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

/**
 * Replaces the children of `node` while keeping focus on an element with the same key, and
 * what the user was typing there (a remote change must not eat unsaved text).
 */
export function replaceChildren(node, children) {
  const active = document.activeElement;
  const key = active && node.contains(active) ? active.dataset.focusKey : undefined;
  const typing = key && (active.tagName === "TEXTAREA" || (active.tagName === "INPUT" && active.type === "text"))
    ? { value: active.value, start: active.selectionStart, end: active.selectionEnd } : null;
  clear(node);
  append(node, children);
  if (key) {
    const again = node.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
    if (!again) return;
    if (typing && again.tagName === active.tagName) {
      again.value = typing.value;
      again.setSelectionRange?.(typing.start, typing.end);
    }
    again.focus();
  }
}

/** A polite screen-reader announcement through the page's live region. */
export function announce(text, assertive = false) {
  const region = document.getElementById(assertive ? "sr-alert" : "sr-status");
  if (!region) return;
  // Clearing first makes screen readers repeat a message that equals the previous one.
  region.textContent = "";
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/** The JSON the server put into <script type="application/json" id="page-data">. */
export function pageData() {
  const node = document.getElementById("page-data");
  return node ? JSON.parse(node.textContent) : {};
}

/** A link target from data: same-origin paths and http(s) URLs only (never javascript:). */
export function safeHref(url) {
  if (typeof url !== "string") return null;
  if (url.startsWith("/") && !url.startsWith("//")) return url;
  try {
    const parsed = new URL(url, location.origin);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.toString() : null;
  } catch {
    return null;
  }
}

/** A function that runs `fn` once in the next animation frame, however often it is called
 * before then (many Yjs events in one turn: one render). */
export function onNextFrame(fn) {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      fn();
    });
  };
}
