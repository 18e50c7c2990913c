// One input per setting, chosen by the schema's kind (a select for an enum, a switch for a
// boolean, a bounded number input, text, JSON text for lists and maps), with an "unset" box for
// an optional setting; and the value read back from it, with whether it changed.
import {MASK, el, valueText} from "./dom.js";

// The input for one setting: {node, control}. Secrets, and values whose credentials the API
// masked, start empty: the page never has their value, and sending the mask back would store
// it.
export function makeControl(f, value) {
  const masked = f.secret || (typeof value === "string" && value.includes(MASK));
  const id = `field-${f.key}`;
  const c = {field: f, initial: value, masked, input: null, unset: null};
  const error = el("p", {class: "field-error", hidden: true});
  c.error = error;
  let input;
  if (f.kind === "enum") {
    input = el(
      "select",
      {id, data: {key: f.key}},
      f.nullable ? el("option", {value: "null", selected: value === null ? "" : undefined}, "(unset)") : null,
      f.enumValues.map((v, i) =>
        el("option", {value: String(i), selected: valueText(v) === valueText(value) ? "" : undefined}, valueText(v)),
      ),
    );
  } else if (f.kind === "boolean") {
    const box = el("input", {type: "checkbox", role: "switch", id, data: {key: f.key}, checked: value === true});
    const label = el("span", {class: "switch-text"}, String(value === true));
    box.addEventListener("change", () => {
      label.textContent = String(box.checked);
    });
    input = box;
    c.view = el("label", {class: "switch"}, box, el("span", {class: "switch-track", "aria-hidden": "true"}), label);
  } else if (f.kind === "integer" || f.kind === "number") {
    input = el("input", {
      type: "number",
      id,
      data: {key: f.key},
      min: f.min,
      max: f.max,
      step: f.step,
      value: value === null || value === undefined ? "" : String(value),
    });
  } else if (f.kind === "array" || f.kind === "object" || f.kind === "json") {
    const text = masked || value === null || value === undefined ? "" : JSON.stringify(value);
    input = el("textarea", {
      id,
      data: {key: f.key},
      rows: Math.min(6, Math.max(2, Math.ceil(text.length / 48))),
      spellcheck: "false",
      placeholder: masked ? "unchanged (type a new value as JSON)" : "JSON",
      value: text,
    });
  } else {
    input = el("input", {
      type: f.secret ? "password" : "text",
      id,
      data: {key: f.key},
      maxlength: f.maxLength,
      spellcheck: "false",
      autocomplete: "off",
      placeholder: masked ? "unchanged (type a new value)" : undefined,
      value: masked ? "" : value === null || value === undefined ? "" : String(value),
    });
  }
  c.input = input;
  const parts = [c.view || input];
  if (f.nullable && f.kind !== "enum") {
    const unset = el("input", {type: "checkbox", id: `${id}-unset`, checked: value === null});
    unset.addEventListener("change", () => {
      input.disabled = unset.checked;
    });
    input.disabled = value === null;
    c.unset = unset;
    parts.push(el("label", {class: "unset", for: `${id}-unset`}, unset, "unset"));
  }
  const node = el(
    "div",
    {class: "control"},
    el("div", {class: "control-row"}, parts),
    masked && !f.secret ? el("p", {class: "hint"}, "now, credentials hidden: ", el("code", {}, valueText(value))) : null,
    error,
  );
  return {node, control: c};
}

// What a control holds now: {value, changed}, or {error} when it cannot be sent.
export function readControl(c) {
  const f = c.field;
  if (c.unset && c.unset.checked) return {value: null, changed: c.initial !== null};
  const raw = c.input.value;
  let value;
  if (f.kind === "enum") {
    value = raw === "null" ? null : f.enumValues[Number(raw)];
  } else if (f.kind === "boolean") {
    value = c.input.checked;
  } else if (c.masked && raw.trim() === "") {
    return {changed: false};
  } else if (f.kind === "integer" || f.kind === "number") {
    if (raw.trim() === "") return f.nullable ? {value: null, changed: c.initial !== null} : {error: "a number is due"};
    value = Number(raw);
    if (!Number.isFinite(value)) return {error: "not a number"};
    if (f.kind === "integer" && !Number.isInteger(value)) return {error: "a whole number is due"};
  } else if (f.kind === "array" || f.kind === "object" || f.kind === "json") {
    if (raw.trim() === "") return f.nullable ? {value: null, changed: c.initial !== null} : {error: "JSON is due"};
    try {
      value = JSON.parse(raw);
    } catch (e) {
      return {error: `not valid JSON (${e.message})`};
    }
  } else {
    value = raw;
  }
  if (c.masked) return {value, changed: true};
  return {value, changed: JSON.stringify(value) !== JSON.stringify(c.initial)};
}
