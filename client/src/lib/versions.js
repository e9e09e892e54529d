// The board's version history in the facilitator console: the list (when, why, how many ideas
// and whiteboard elements, who was active), a read-only preview of one version, and a restore
// after a confirmation. The server computes the restore as one ordinary change of the board,
// so every open page (this one too) follows through Yjs: nothing here touches the board.
import { announce, h, replaceChildren } from "./dom.js";
import { language, t } from "./i18n.js";

function when(ms) {
  return new Date(ms).toLocaleString(language() === "nl" ? "nl-NL" : "en-GB",
    { dateStyle: "short", timeStyle: "medium" });
}

function who(active) {
  if (!active?.length) return t("versions.active.nobody");
  // Anonymous sessions: the server sends no names, only how many were active.
  const named = active.filter((p) => p.name).map((p) => p.name);
  return named.length ? named.join(", ") : t("versions.active.count", { count: active.length });
}

export class VersionsPanel {
  /** ctx: {api} (the session's API of the console). */
  constructor(ctx) {
    this.ctx = ctx;
    this.versions = null; // null until loaded
    this.preview = null;
    this.busy = false;
    this.message = ""; // the last outcome, kept across renders
    this.node = h("section", { class: "card versions", "aria-labelledby": "console-versions" });
    this.render();
  }

  async load(say = false) {
    try {
      const { versions } = await this.ctx.api.call("GET", "/versions");
      this.versions = versions;
      if (this.preview && !versions.some((v) => v.id === this.preview.id)) this.preview = null;
      this.render();
      if (say) announce(t("versions.loaded", { count: versions.length }));
    } catch (err) {
      this.fail(err);
    }
  }

  async show(version) {
    try {
      this.preview = await this.ctx.api.call("GET", `/versions/${encodeURIComponent(version.id)}`);
      this.render();
      this.node.querySelector("#version-preview-heading")?.focus();
      announce(t("versions.preview.shown", { time: when(version.at) }));
    } catch (err) {
      this.fail(err);
    }
  }

  async restore(version) {
    if (this.busy || !confirm(t("versions.restore.confirm", { time: when(version.at) }))) return;
    this.busy = true;
    try {
      await this.ctx.api.call("POST", `/versions/${encodeURIComponent(version.id)}/restore`);
      this.status(t("versions.restored", { time: when(version.at) }));
      this.preview = null;
      await this.load();
    } catch (err) {
      this.fail(err);
    } finally {
      this.busy = false;
    }
  }

  fail(err) {
    this.status(t("error.generic", { message: err.message }), true);
  }

  status(text, assertive = false) {
    this.message = text;
    const node = this.node.querySelector(".versions-status");
    if (node) node.textContent = text;
    announce(text, assertive);
  }

  render() {
    const list = this.versions;
    replaceChildren(this.node, [
      h("h3", { id: "console-versions" }, t("versions.title")),
      h("p", { class: "hint" }, t("versions.hint")),
      h("p", { class: "versions-status" }, this.message),
      h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", id: "versions-load",
        "data-focus-key": "versions-load", onclick: () => this.load(true) },
      t(list ? "versions.refresh" : "versions.show")),
      list && list.length === 0 ? h("p", {}, t("versions.empty")) : null,
      list && list.length ? h("ol", { class: "versions-list" }, list.map((v) => this.renderVersion(v))) : null,
      this.preview ? this.renderPreview(this.preview) : null,
    ]);
  }

  renderVersion(v) {
    const label = `version-${v.id}`;
    return h("li", { dataset: { version: v.id, trigger: v.trigger } },
      h("p", { id: label },
        h("strong", {}, when(v.at)), ` · ${t(`versions.trigger.${v.trigger}`)} · `,
        t("versions.counts", { ideas: v.ideas, elements: v.elements }), " · ",
        h("span", { class: "hint" }, who(v.active))),
      h("div", { class: "round-actions" },
        h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", "aria-describedby": label,
          "data-focus-key": `preview-${v.id}`, dataset: { preview: v.id }, onclick: () => this.show(v) }, t("versions.preview")),
        h("button", { type: "button", class: "utrecht-button utrecht-button--secondary-action", "aria-describedby": label,
          "data-focus-key": `restore-${v.id}`, dataset: { restore: v.id }, onclick: () => this.restore(v) }, t("versions.restore"))));
  }

  renderPreview(p) {
    const ideas = p.board?.ideas ?? [];
    const texts = (p.board?.whiteboard?.elements ?? [])
      .filter((el) => el.type === "text" && (el.originalText || el.text))
      .map((el) => String(el.originalText || el.text));
    return h("section", { class: "version-preview", "aria-labelledby": "version-preview-heading" },
      h("h4", { id: "version-preview-heading", tabindex: "-1" }, t("versions.preview.title", { time: when(p.at) })),
      h("p", { class: "hint" }, t("versions.preview.readonly")),
      h("h5", {}, t("versions.preview.ideas", { count: ideas.length })),
      ideas.length ? h("ul", { class: "version-ideas" }, ideas.map((i) => h("li", {}, i.text))) : h("p", {}, "—"),
      h("h5", {}, t("versions.preview.whiteboard", { count: (p.board?.whiteboard?.elements ?? []).length })),
      texts.length ? h("ul", { class: "version-texts" }, texts.map((text) => h("li", {}, text))) : null,
      h("div", { class: "round-actions" },
        h("button", { type: "button", class: "utrecht-button utrecht-button--primary-action", id: "version-preview-restore",
          onclick: () => this.restore(p) }, t("versions.restore")),
        h("button", { type: "button", class: "utrecht-button utrecht-button--subtle", id: "version-preview-close",
          onclick: () => { this.preview = null; this.render(); this.node.querySelector("#versions-load")?.focus(); } },
        t("versions.preview.close"))));
  }
}
