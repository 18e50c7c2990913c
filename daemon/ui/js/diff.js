// A diff as the API gives it ({key, old?, new?}, or {key, changed: true} for a secret) shown
// as a table: before -> after. A secret is only ever "changed": the API sends no value, not
// even masked, and neither does this page.
import {el, valueNode} from "./dom.js";

function side(change, name) {
  return name in change ? valueNode(change[name]) : el("span", {class: "muted"}, "not set");
}

export function diffTable(changes) {
  if (!changes || changes.length === 0) return el("p", {class: "muted diff-empty"}, "No differences.");
  const rows = changes.map((c) => {
    const secret = c.changed === true && !("old" in c) && !("new" in c);
    return el(
      "tr",
      {data: {key: c.key}},
      el("td", {class: "diff-key"}, el("code", {}, c.key)),
      secret
        ? el("td", {class: "diff-secret", colspan: 3}, el("span", {class: "secret"}, "••••••••"), " changed (secret)")
        : [
            el("td", {class: "diff-old"}, side(c, "old")),
            el("td", {class: "diff-arrow", "aria-hidden": "true"}, "→"),
            el("td", {class: "diff-new"}, side(c, "new")),
          ],
    );
  });
  return el(
    "table",
    {class: "table diff"},
    el("thead", {}, el("tr", {}, el("th", {}, "Setting"), el("th", {}, "Before"), el("th", {}), el("th", {}, "After"))),
    el("tbody", {}, rows),
  );
}
