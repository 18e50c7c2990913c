// The Settings tab: the current settings as a table built from the schema, and the same table
// as an edit form. Publishing is two steps: a dry run (the writer validates and answers the
// diff it would make; nothing changes) shown for review, then the patch. Both carry If-Match
// with the version the form was built from, so a change made by someone else in between is
// refused (412) instead of silently overwritten.
import {post} from "./api.js";
import {diffTable} from "./diff.js";
import {makeControl, readControl} from "./controls.js";
import {append, clear, clock, el, valueNode} from "./dom.js";
import {countdown} from "./reverts.js";

const UNITS = [
  ["seconds", 1],
  ["minutes", 60],
  ["hours", 3600],
  ["days", 86400],
];

export function createSettings(panel, ctx) {
  // While editing: {builtFrom, controls: Map key -> control, comment, revertAmount, revertUnit,
  // notice, errors}.
  let form = null;

  function render() {
    const {state} = ctx;
    clear(panel);
    append(panel, toolbar(state), form ? editBar() : null, table(state));
    if (form) markStale();
  }

  function toolbar(state) {
    const count = state.fields.length;
    return el(
      "div",
      {class: "toolbar"},
      el(
        "div",
        {class: "toolbar-title"},
        el("h2", {}, form ? "Edit settings" : "Settings"),
        el(
          "span",
          {class: "muted"},
          form ? `starting from version ${form.builtFrom}` : `${count} settings · version ${state.version}`,
        ),
      ),
      form
        ? null
        : el("button", {type: "button", class: "button button-primary", id: "edit"}, "Edit settings"),
    );
  }

  // The options of a change and its buttons, above the table while editing.
  function editBar() {
    const comment = el("input", {
      type: "text",
      id: "edit-comment",
      maxlength: 1024,
      placeholder: "why (kept in the history and the audit log)",
    });
    const amount = el("input", {type: "number", id: "edit-revert-amount", min: 1, step: 1, placeholder: "never"});
    const unit = el(
      "select",
      {id: "edit-revert-unit"},
      UNITS.map(([name, s]) => el("option", {value: s, selected: name === "minutes" ? "" : undefined}, name)),
    );
    form.comment = comment;
    form.revertAmount = amount;
    form.revertUnit = unit;
    form.errors = {
      comment: el("p", {class: "field-error", hidden: true}),
      revert_after_s: el("p", {class: "field-error", hidden: true}),
      general: el("div", {class: "form-errors", hidden: true}),
    };
    form.notice = el("div", {class: "notice notice-warn", id: "stale-notice", hidden: true});
    return el(
      "div",
      {class: "editbar card"},
      el(
        "div",
        {class: "editbar-fields"},
        el(
          "div",
          {class: "editbar-field editbar-comment"},
          el("label", {class: "field-label", for: "edit-comment"}, "Comment"),
          comment,
          form.errors.comment,
        ),
        el(
          "div",
          {class: "editbar-field"},
          el("label", {class: "field-label", for: "edit-revert-amount"}, "Revert after (temporary change)"),
          el("div", {class: "inline"}, amount, unit),
          form.errors.revert_after_s,
        ),
        el(
          "div",
          {class: "editbar-actions"},
          el("button", {type: "button", class: "button", id: "edit-cancel"}, "Cancel"),
          el("button", {type: "button", class: "button button-primary", id: "edit-review"}, "Review changes…"),
        ),
      ),
      form.errors.general,
      form.notice,
    );
  }

  function table(state) {
    const pending = pendingByKey(state);
    const rows = state.fields.map((f) => row(f, state.config[f.key], pending.get(f.key)));
    return el(
      "div",
      {class: "table-wrap card"},
      el(
        "table",
        {class: "table settings", id: "settings-table"},
        el(
          "thead",
          {},
          el("tr", {}, el("th", {}, "Setting"), el("th", {}, "Value"), el("th", {}, "Type"), el("th", {}, "Default")),
        ),
        el("tbody", {}, rows),
      ),
    );
  }

  function pendingByKey(state) {
    const map = new Map();
    for (const p of state.pendingReverts) for (const k of p.keys) map.set(k, p);
    return map;
  }

  function row(f, value, pending) {
    const badges = [];
    if (f.secret) badges.push(el("span", {class: "badge badge-secret"}, "secret"));
    if (f.required) badges.push(el("span", {class: "badge"}, "required"));
    if (pending)
      badges.push(
        el("span", {class: "badge badge-temp"}, "temporary · ", countdown(pending.deadline, "reverts in ", "reverting")),
      );
    let valueCell = valueNode(value, f.secret);
    if (form) {
      const {node, control} = makeControl(f, value);
      form.controls.set(f.key, control);
      valueCell = node;
    }
    return el(
      "tr",
      {data: {key: f.key}},
      el(
        "td",
        {class: "setting"},
        el("div", {class: "setting-name"}, el("code", {class: "key"}, f.key), badges),
        f.description ? el("p", {class: "description"}, f.description) : null,
      ),
      el("td", {class: "setting-value"}, valueCell),
      el(
        "td",
        {class: "setting-type"},
        el("span", {class: "type"}, f.typeLabel),
        f.nullable ? el("span", {class: "chip"}, "optional") : null,
        f.constraints.map((c) => el("span", {class: "chip"}, c)),
      ),
      el(
        "td",
        {class: "setting-default"},
        f.hasDefault ? valueNode(f.default, f.secret) : el("span", {class: "muted"}, "—"),
      ),
    );
  }

  function clearErrors() {
    for (const c of form.controls.values()) showError(c.error, "");
    for (const slot of [form.errors.comment, form.errors.revert_after_s]) showError(slot, "");
    clear(form.errors.general).hidden = true;
  }

  function showError(slot, message) {
    slot.textContent = message;
    slot.hidden = !message;
    const input = slot.parentElement && slot.parentElement.querySelector("input, select, textarea");
    if (input) input.toggleAttribute("aria-invalid", Boolean(message));
  }

  // The updates and options of the change, or null after showing what is wrong.
  function collect() {
    clearErrors();
    const updates = {};
    let bad = false;
    for (const [key, c] of form.controls) {
      const r = readControl(c);
      if (r.error) {
        showError(c.error, r.error);
        bad = true;
      } else if (r.changed) {
        updates[key] = r.value;
      }
    }
    const options = {};
    const comment = form.comment.value.trim();
    if (comment) options.comment = comment;
    const amount = form.revertAmount.value.trim();
    if (amount) {
      const n = Number(amount);
      if (!Number.isInteger(n) || n < 1) {
        showError(form.errors.revert_after_s, "a whole number of at least 1, or empty for a permanent change");
        bad = true;
      } else {
        options.revert_after_s = n * Number(form.revertUnit.value);
      }
    }
    if (bad) return null;
    if (Object.keys(updates).length === 0) {
      generalErrors(["Nothing to review: no setting was changed."]);
      return null;
    }
    return {updates, options};
  }

  function generalErrors(messages) {
    clear(form.errors.general);
    append(
      form.errors.general,
      el(
        "ul",
        {},
        messages.map((m) => el("li", {}, m)),
      ),
    );
    form.errors.general.hidden = false;
  }

  // A refusal of the dry run or the patch, shown where it belongs.
  function refused(err) {
    if (err.kind === "invalid") {
      const loose = [];
      for (const d of err.details) {
        const key = typeof d.key === "string" ? d.key : "";
        const message = typeof d.message === "string" ? d.message : "invalid";
        const c = form.controls.get(key);
        if (c) showError(c.error, message);
        else if (key === "comment" || key === "revert_after_s") showError(form.errors[key], message);
        else loose.push(key ? `${key}: ${message}` : message);
      }
      if (loose.length || err.details.length === 0) generalErrors(loose.length ? loose : [err.message]);
      const first = panel.querySelector(".field-error:not([hidden])");
      if (first) first.scrollIntoView({block: "center"});
      return;
    }
    if (err.kind === "stale") {
      showStale(err.message);
      return;
    }
    ctx.handleError(err);
  }

  function showStale(detail) {
    clear(form.notice);
    append(
      form.notice,
      el(
        "p",
        {},
        el("strong", {}, "Someone else changed the settings. "),
        `This form was built from version ${form.builtFrom}, and the writer is now at version ${ctx.state.version}. `,
        "Reload the form to start from the current settings (your edits here are discarded), then make your change again.",
      ),
      detail ? el("p", {class: "muted"}, detail) : null,
      el("button", {type: "button", class: "button button-primary", id: "stale-reload"}, "Reload the form"),
    );
    form.notice.hidden = false;
    form.notice.scrollIntoView({block: "center"});
  }

  // A new version arrived while editing: say so before the writer has to refuse it.
  function markStale() {
    if (form && ctx.state.version !== form.builtFrom) showStale("");
  }

  async function review() {
    const change = collect();
    if (!change) return;
    const ifMatch = `"${form.builtFrom}"`;
    let dry;
    try {
      dry = await post("/config/patch", {updates: change.updates, ...change.options, dry_run: true}, {ifMatch});
    } catch (err) {
      refused(err);
      return;
    }
    const changes = Array.isArray(dry.json.changes) ? dry.json.changes : [];
    const publish = el("button", {type: "button", class: "button button-primary", id: "publish"}, "Publish");
    const back = el("button", {type: "button", class: "button", id: "review-back"}, "Back to editing");
    const temporary = change.options.revert_after_s;
    ctx.openDialog(
      el("h2", {}, "Review the change"),
      el(
        "p",
        {class: "muted"},
        `Checked by the writer, nothing published yet. Publishing makes version ${Number(form.builtFrom) + 1} `,
        `from version ${form.builtFrom}.`,
      ),
      el("div", {class: "dialog-diff", id: "review-diff"}, diffTable(changes)),
      change.options.comment ? el("p", {}, "Comment: ", el("q", {}, change.options.comment)) : null,
      temporary ? el("p", {class: "notice notice-temp"}, `Temporary: reverts after ${clock(temporary)}.`) : null,
      changes.length === 0 ? el("p", {}, "The writer would change nothing: these are the current values.") : null,
      el("div", {class: "dialog-actions"}, back, changes.length ? publish : null),
    );
    back.addEventListener("click", () => ctx.closeDialog());
    publish.addEventListener("click", async () => {
      publish.disabled = true;
      let done;
      try {
        done = await post("/config/patch", {updates: change.updates, ...change.options}, {ifMatch});
      } catch (err) {
        ctx.closeDialog();
        refused(err);
        return;
      }
      ctx.closeDialog();
      form = null;
      const j = done.json;
      const reached = typeof j.subscribers === "number" ? `; the message reached ${j.subscribers} subscriber(s)` : "";
      const saved = j.published === false ? " (saved; Redis did not take it yet: the writer retries)" : "";
      ctx.toast(`Published version ${j.version}${saved}${reached}.`);
      await ctx.refresh();
      render();
    });
  }

  panel.addEventListener("click", (e) => {
    const id = e.target.closest("button") && e.target.closest("button").id;
    if (id === "edit" || id === "stale-reload") {
      form = {builtFrom: ctx.state.version, controls: new Map()};
      render();
      const first = panel.querySelector(".setting-value input, .setting-value select, .setting-value textarea");
      if (first) first.focus({preventScroll: true});
    } else if (id === "edit-cancel") {
      form = null;
      render();
    } else if (id === "edit-review") {
      review();
    }
  });

  return {
    render,
    // A new version (or new pending reverts): the table shows it; a form keeps its edits and
    // says that it is now stale.
    update() {
      if (form) markStale();
      else render();
    },
    editing: () => form !== null,
  };
}
