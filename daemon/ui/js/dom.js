// Building the page. Every value shown comes from the API and may be attacker-controlled
// text (a setting's value, a comment, a reader's name), so elements are made with
// createElement and filled with textContent only: nothing here parses HTML.

// el("td", {class: "key", title: "…", data: {key: "LOG_LEVEL"}}, child, "text", …)
// Attributes are set one by one with setAttribute; names starting with "on" are refused, so
// no caller can attach code through this helper.
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (/^on/i.test(name)) throw new Error(`el(): refusing an event attribute (${name})`);
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name === "data") for (const [k, v] of Object.entries(value)) node.dataset[k] = v;
    else if (name === "hidden" || name === "disabled" || name === "checked") node[name] = Boolean(value);
    else if (name === "value") node.value = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, ...children);
  return node;
}

export function append(node, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

export const MASK = "**********";

// A JSON value as text for a table cell: strings as they are, the rest as compact JSON.
export function valueText(value) {
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

// A value as a table cell's content: secrets as a badge (the API sends only the mask; the
// page never has the value), unset as a muted word, the rest as monospace text.
export function valueNode(value, secret) {
  if (secret || value === MASK) return el("span", {class: "secret", title: "secret: never shown"}, "••••••••");
  if (value === null || value === undefined) return el("span", {class: "muted"}, "unset");
  if (typeof value === "boolean") return el("span", {class: `bool bool-${value}`}, String(value));
  if (typeof value === "string" && value === "") return el("span", {class: "muted"}, "(empty)");
  return el("code", {class: "value"}, valueText(value));
}

// 95 -> "1:35", 4000 -> "1:06:40", 200000 -> "2 d 7:33:20"
export function clock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  const hms = h || d ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
  return d ? `${d} d ${hms}` : hms;
}

// "3 min ago" from an RFC 3339 time.
export function ago(iso) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

// "2026-11-30 14:03:12 UTC" from an RFC 3339 time (the writer's clock, in UTC).
export function utc(iso) {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return String(iso);
  return `${t.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
