// What the browser remembers: the display name, the language, the theme and a token per
// session (in localStorage, so a reload or a new tab rejoins without asking again).

function read(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Private mode or storage full: the app works, it just forgets.
  }
}

export const remembered = {
  name: () => read("sprankel.name") || "",
  setName: (name) => write("sprankel.name", name),
  language: () => read("sprankel.lang"),
  setLanguage: (lang) => write("sprankel.lang", lang),
  sideBySide: () => read("sprankel.sideBySide") === "1",
  setSideBySide: (on) => write("sprankel.sideBySide", on ? "1" : "0"),
  theme: () => read("sprankel.theme"),
  setTheme: (theme) => write("sprankel.theme", theme),
  session: (sid) => {
    try {
      return JSON.parse(read(`sprankel.session.${sid}`) || "null");
    } catch {
      return null;
    }
  },
  setSession: (sid, value) => write(`sprankel.session.${sid}`, JSON.stringify(value)),
  space: (id) => {
    try {
      return JSON.parse(read(`sprankel.space.${id}`) || "null");
    } catch {
      return null;
    }
  },
  setSpace: (id, value) => write(`sprankel.space.${id}`, value === null ? null : JSON.stringify(value)),
  /** Sessions this browser took part in, newest first: [{id, title, role, at}]. */
  sessions: () => {
    const out = [];
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        if (!key?.startsWith("sprankel.session.")) continue;
        const value = JSON.parse(localStorage.getItem(key) || "null");
        if (value?.token) out.push({ id: key.slice("sprankel.session.".length), title: value.title || "", role: value.role, at: value.at || 0 });
      }
    } catch {
      return [];
    }
    return out.sort((a, b) => b.at - a.at);
  },
  ownIdeas: (sid) => {
    try {
      const list = JSON.parse(read(`sprankel.own.${sid}`) || "[]");
      return Array.isArray(list) ? list.filter((x) => typeof x === "string") : [];
    } catch {
      return [];
    }
  },
  // The newest 2000 are plenty for one session.
  setOwnIdeas: (sid, ids) => write(`sprankel.own.${sid}`, JSON.stringify(ids.slice(-2000))),
};
