// The History tab: the versions the writer keeps, newest first, as a timeline: who, when,
// why, which keys, and the diff from the version before (GET /config/diff: secrets only as
// "changed"). Rolling back asks the writer for a dry run first and shows its diff; only a
// confirmation publishes (a new version with the old content, If-Match the current one).
import {get, post} from "./api.js";
import {diffTable} from "./diff.js";
import {append, clear, el, utc, ago} from "./dom.js";

const LIMIT = 50;
const OPEN_DIFFS = 5; // the newest diffs are shown at once; older ones on demand

export function createHistory(panel, ctx) {
  let versions = [];
  let loadedAt = null; // the current version when the list was loaded

  async function load() {
    let r;
    try {
      r = await get(`/config/history?limit=${LIMIT}`);
    } catch (err) {
      ctx.handleError(err);
      return;
    }
    versions = Array.isArray(r.json.versions) ? r.json.versions : [];
    loadedAt = ctx.state.version;
    render();
  }

  function render() {
    clear(panel);
    append(
      panel,
      el(
        "div",
        {class: "toolbar"},
        el(
          "div",
          {class: "toolbar-title"},
          el("h2", {}, "History"),
          el("span", {class: "muted"}, `the last ${versions.length} versions kept by the writer, newest first`),
        ),
      ),
    );
    const list = el("ol", {class: "timeline", id: "timeline"});
    versions.forEach((v, i) => append(list, entry(v, versions[i + 1], i < OPEN_DIFFS)));
    append(panel, versions.length ? list : el("p", {class: "muted"}, "No history yet."));
  }

  function entry(v, before, open) {
    const current = v.version === ctx.state.version;
    const diffBox = el("div", {class: "entry-diff", hidden: true});
    const toggle = el("button", {type: "button", class: "button button-small"}, "Show diff");
    const actions = el("div", {class: "entry-actions"}, before ? toggle : null);
    if (!current) {
      const back = el(
        "button",
        {type: "button", class: "button button-small", data: {rollback: v.version}},
        `Roll back to v${v.version}…`,
      );
      back.addEventListener("click", () => rollback(v.version));
      append(actions, back);
    }
    const changed = Array.isArray(v.changed) ? v.changed : [];
    let loaded = false;
    async function show() {
      diffBox.hidden = !diffBox.hidden;
      toggle.textContent = diffBox.hidden ? "Show diff" : "Hide diff";
      if (loaded || diffBox.hidden) return;
      loaded = true;
      append(diffBox, el("p", {class: "muted"}, "Loading…"));
      try {
        const r = await get(`/config/diff?from=${encodeURIComponent(before.version)}&to=${encodeURIComponent(v.version)}`);
        clear(diffBox);
        append(diffBox, diffTable(r.json.changes));
      } catch (err) {
        clear(diffBox);
        append(diffBox, el("p", {class: "field-error"}, err.message));
        loaded = false;
      }
    }
    toggle.addEventListener("click", show);
    if (open && before) show();
    return el(
      "li",
      {class: `entry entry-${v.event}${current ? " entry-current" : ""}`, data: {version: v.version}},
      el("span", {class: "entry-dot", "aria-hidden": "true"}),
      el(
        "div",
        {class: "entry-card card"},
        el(
          "div",
          {class: "entry-head"},
          el("span", {class: "pill pill-version"}, `v${v.version}`),
          el("span", {class: `event event-${v.event}`}, v.event),
          current ? el("span", {class: "badge badge-current"}, "current") : null,
          el("span", {class: "entry-actor"}, "by ", el("strong", {}, v.actor)),
          el("time", {class: "muted", datetime: v.written_at, title: utc(v.written_at)}, ago(v.written_at)),
        ),
        v.comment ? el("p", {class: "entry-comment"}, el("q", {}, v.comment)) : null,
        el(
          "p",
          {class: "entry-keys"},
          changed.length ? "changed " : "no setting changed",
          changed.map((k) => el("code", {class: "chip"}, k)),
        ),
        before ? null : el("p", {class: "muted"}, "The version before is no longer kept, so there is no diff."),
        actions,
        diffBox,
      ),
    );
  }

  async function rollback(target) {
    const ifMatch = `"${ctx.state.version}"`;
    const from = ctx.state.version;
    let dry;
    try {
      dry = await post("/config/rollback", {version: target, dry_run: true}, {ifMatch});
    } catch (err) {
      ctx.handleError(err);
      return;
    }
    const changes = Array.isArray(dry.json.changes) ? dry.json.changes : [];
    const comment = el("input", {type: "text", id: "rollback-comment", maxlength: 1024, placeholder: "why"});
    const confirm = el("button", {type: "button", class: "button button-danger", id: "rollback-confirm"}, "Roll back");
    const cancel = el("button", {type: "button", class: "button", id: "rollback-cancel"}, "Cancel");
    const error = el("p", {class: "field-error", hidden: true});
    ctx.openDialog(
      el("h2", {}, `Roll back to version ${target}`),
      el(
        "p",
        {class: "muted"},
        `Checked by the writer, nothing published yet. Rolling back publishes version ${Number(from) + 1} `,
        `with the settings of version ${target}. What would change:`,
      ),
      el("div", {class: "dialog-diff", id: "rollback-diff"}, diffTable(changes)),
      changes.length
        ? el("div", {}, el("label", {class: "field-label", for: "rollback-comment"}, "Comment"), comment, error)
        : el("p", {}, `Version ${target} has the current settings: there is nothing to roll back.`),
      el("div", {class: "dialog-actions"}, cancel, changes.length ? confirm : null),
    );
    cancel.addEventListener("click", () => ctx.closeDialog());
    confirm.addEventListener("click", async () => {
      confirm.disabled = true;
      const body = {version: target};
      if (comment.value.trim()) body.comment = comment.value.trim();
      let done;
      try {
        done = await post("/config/rollback", body, {ifMatch});
      } catch (err) {
        if (err.kind === "invalid") {
          error.textContent = err.details.map((d) => d.message).join("; ") || err.message;
          error.hidden = false;
          confirm.disabled = false;
          return;
        }
        ctx.closeDialog();
        if (err.kind === "stale")
          ctx.banner(
            `Someone else changed the settings since this dialog opened (it was built from version ${from}). ` +
              "The history is reloaded: check it, then roll back again if it is still needed.",
            "warn",
          );
        else ctx.handleError(err);
        await ctx.refresh();
        return;
      }
      ctx.closeDialog();
      ctx.toast(`Rolled back: version ${done.json.version} has the settings of version ${target}.`);
      await ctx.refresh();
    });
  }

  return {
    load,
    // A new version: reload the list if it is on screen (and not already up to date).
    update(visible) {
      if (visible && loadedAt !== ctx.state.version) load();
    },
  };
}
