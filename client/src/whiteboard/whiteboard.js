// The whiteboard: Excalidraw (loaded lazily, in its own chunk) bound to the board document.
import { Excalidraw } from "@excalidraw/excalidraw";
import { createElement, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { WhiteboardBinding } from "./binding.js";
import { Stickies } from "./stickies.js";

const LOAD_LIMIT_MS = 15000;

/** Excalidraw initialises its scene asynchronously; binding before that loses the board. */
async function sceneLoaded(api) {
  const started = performance.now();
  while (api.getAppState().isLoading) {
    if (performance.now() - started > LOAD_LIMIT_MS) throw new Error("whiteboard did not load");
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

// Accessibility repairs of Excalidraw's own controls (see docs/accessibility.md): buttons
// without a name get one from their title; labels that differ from the visible text are
// replaced by the visible text.
function repairAccessibility(root, labels) {
  for (const button of root.querySelectorAll("button, [role=button], [role=menuitem]")) {
    const visible = button.textContent.trim();
    const label = button.getAttribute("aria-label");
    if (!label && !visible) {
      const name = button.getAttribute("title") || button.dataset.testid || "";
      if (button.classList.contains("dropdown-menu-button") || /menu/i.test(name)) {
        button.setAttribute("aria-label", labels.menu);
      } else if (name) {
        button.setAttribute("aria-label", name);
      }
    } else if (label && visible && !visible.toLowerCase().includes(label.toLowerCase())) {
      button.setAttribute("aria-label", visible);
    }
  }
  // Excalidraw's bottom bar claims to be the page's footer (a second contentinfo landmark).
  for (const footer of root.querySelectorAll("footer[role=contentinfo]")) {
    footer.setAttribute("role", "group");
    footer.setAttribute("aria-label", labels.footer);
  }
  for (const dialog of root.querySelectorAll("[role=dialog]:not([aria-label]):not([aria-labelledby])")) {
    const heading = dialog.querySelector("h1, h2, h3, .Dialog__title");
    dialog.setAttribute("aria-label", heading?.textContent.trim() || labels.dialog);
  }
}

/**
 * Mounts the whiteboard into `container`.
 * options: {doc, awareness, elementsKey, assetsKey, lang: "nl"|"en", theme, readOnly(), labels,
 *           onViewport(scrollX, scrollY, zoom), board(): the IdeaBoard (stickies.js)}
 * Returns {setLanguage, setTheme, setReadOnly, setViewport, place(ideaIds), destroy}.
 */
export function mountWhiteboard(container, options) {
  let api = null;
  let binding = null;
  let stickies = null;
  let props = {
    lang: options.lang,
    theme: options.theme,
    readOnly: options.readOnly(),
  };
  const root = createRoot(container);
  const observer = new MutationObserver(() => repairAccessibility(container, options.labels));
  observer.observe(container, { childList: true, subtree: true });
  // Excalidraw sets <html lang> to its own locale code ("nl-NL", or "en" when it falls back);
  // the page's language stays the one the user chose.
  const langObserver = new MutationObserver(() => {
    if (document.documentElement.lang !== props.lang) document.documentElement.lang = props.lang;
  });
  langObserver.observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });

  const onApi = async (excalidrawApi) => {
    if (!excalidrawApi || api) return;
    api = excalidrawApi;
    await sceneLoaded(api);
    binding = new WhiteboardBinding(
      api,
      options.doc.getArray(options.elementsKey),
      options.doc.getMap(options.assetsKey),
      options.awareness,
      { readOnly: options.readOnly },
    );
    // The number of shapes, for people and tests that cannot see the canvas.
    stickies = new Stickies(api, options.doc, binding, options.board);
    binding.onCount = (n) => {
      container.dataset.elements = String(n);
    };
    binding.onCount(api.getSceneElements().length);
    binding.onFileTooLarge = () => options.onFileTooLarge?.();
    binding.onFiles = (n) => {
      container.dataset.files = String(n);
    };
    // Excalidraw's API on its host, for automation that cannot see the canvas (the tests).
    Object.defineProperty(container, "excalidrawAPI", { value: api });
    container.dataset.ready = "true";
    repairAccessibility(container, options.labels);
  };

  const render = () => {
    root.render(
      createElement(
        StrictMode,
        null,
        createElement(Excalidraw, {
          excalidrawAPI: onApi,
          langCode: props.lang === "nl" ? "nl-NL" : "en",
          theme: props.theme,
          viewModeEnabled: props.readOnly,
          isCollaborating: true,
          validateEmbeddable: () => false,
          detectScroll: true,
          handleKeyboardGlobally: false,
          UIOptions: { canvasActions: { loadScene: false, saveToActiveFile: false } },
          onChange: (elements, appState, files) => binding?.onSceneChange(elements, appState, files),
          onPointerUpdate: (payload) => binding?.onPointer(payload),
          onScrollChange: (scrollX, scrollY, zoom) => options.onViewport?.(scrollX, scrollY, zoom),
        }),
      ),
    );
  };
  render();

  return {
    setLanguage(lang) {
      props = { ...props, lang };
      render();
      stickies?.schedule();
    },
    /** Draws the stickies again (the session changed: published dots). */
    refresh() {
      stickies?.schedule();
    },
    /** Ideas as sticky notes; returns how many were placed (0 before the scene is ready). */
    place(ideaIds) {
      return stickies && !options.readOnly() ? stickies.place(ideaIds) : 0;
    },
    setTheme(theme) {
      props = { ...props, theme };
      render();
    },
    setReadOnly(readOnly) {
      if (readOnly === props.readOnly) return;
      props = { ...props, readOnly };
      render();
    },
    setViewport(viewport) {
      if (!api || !viewport) return;
      api.updateScene({
        appState: { scrollX: viewport.scrollX, scrollY: viewport.scrollY, zoom: { value: viewport.zoom } },
      });
    },
    api: () => api,
    destroy() {
      observer.disconnect();
      langObserver.disconnect();
      binding?.destroy();
      stickies?.destroy();
      root.unmount();
    },
  };
}
