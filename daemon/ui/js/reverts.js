// Temporary changes ("revert_after_s"): GET /config lists the pending reverts with the
// seconds left; the page counts down from when it got them (the browser's clock may differ
// from the writer's, the time left does not). The revert itself arrives as a new version
// through the long poll.
import {append, clear, clock, el, utc} from "./dom.js";

// A span that tick() keeps counting down to deadline (ms, Date.now() scale).
export function countdown(deadline, prefix, doneText) {
  const span = el("span", {class: "countdown", data: {deadline: String(deadline), prefix, done: doneText}});
  update(span, Date.now());
  return span;
}

function update(span, now) {
  const left = (Number(span.dataset.deadline) - now) / 1000;
  span.textContent = left > 0 ? `${span.dataset.prefix}${clock(left)}` : `${span.dataset.done}…`;
}

export function tick() {
  const now = Date.now();
  for (const span of document.querySelectorAll(".countdown")) update(span, now);
}

// The list above the tabs: one line per temporary change still pending.
export function renderReverts(section, list, pending) {
  clear(list);
  section.hidden = pending.length === 0;
  for (const p of pending) {
    append(
      list,
      el(
        "li",
        {class: "revert", data: {version: p.version}},
        el("span", {class: "countdown-big"}, countdown(p.deadline, "", "reverting")),
        el(
          "span",
          {class: "revert-text"},
          `Version ${p.version} changed `,
          p.keys.map((k, i) => [i ? ", " : "", el("code", {}, k)]),
          " for a while: ",
          p.keys.length === 1 ? "it reverts" : "they revert",
          ` at ${utc(p.revert_at)}.`,
        ),
      ),
    );
  }
}
