// The Fleet tab: the readers that named their Redis connection (GET /config/readers: CLIENT
// LIST on the primary and its replicas), by version and by state, refreshed by itself. The
// header's summary line ("3 readers · all on v12") comes from here too.
import {get} from "./api.js";
import {append, clear, el} from "./dom.js";

const STATES = ["READY", "STALE", "ERROR"];

export function createFleet(panel, summary, ctx) {
  let fleet = null;
  let error = null;
  let at = null;

  async function load() {
    try {
      const r = await get("/config/readers");
      fleet = r.json;
      error = null;
    } catch (err) {
      if (err.kind === "auth") {
        ctx.handleError(err);
        return;
      }
      error = err;
    }
    at = new Date();
    render();
  }

  function readers() {
    return fleet && Array.isArray(fleet.readers) ? fleet.readers : [];
  }

  function renderSummary() {
    clear(summary);
    if (error) {
      append(summary, el("span", {class: "muted"}, "fleet unknown"));
      return;
    }
    if (!fleet) return;
    const all = readers();
    const current = all.filter((r) => r.version === ctx.state.version).length;
    const text =
      all.length === 0
        ? "no named readers"
        : current === all.length
          ? `${all.length} reader${all.length === 1 ? "" : "s"} · all on v${ctx.state.version}`
          : `${all.length} reader${all.length === 1 ? "" : "s"} · ${current} on v${ctx.state.version}`;
    append(summary, el("span", {class: current === all.length ? "" : "warn-text"}, text));
  }

  function render() {
    renderSummary();
    clear(panel);
    append(
      panel,
      el(
        "div",
        {class: "toolbar"},
        el(
          "div",
          {class: "toolbar-title"},
          el("h2", {}, "Fleet"),
          el("span", {class: "muted"}, at ? `as of ${at.toLocaleTimeString()} · refreshes by itself` : ""),
        ),
        el("button", {type: "button", class: "button", id: "fleet-refresh"}, "Refresh"),
      ),
    );
    if (error) {
      append(panel, el("div", {class: "notice notice-error"}, `The readers cannot be listed: ${error.message}`));
      return;
    }
    if (!fleet) return;
    const all = readers();
    const current = all.filter((r) => r.version === ctx.state.version).length;
    append(
      panel,
      el(
        "div",
        {class: "stats"},
        stat("Readers", all.length, "named connections"),
        stat("On the current version", current, `v${ctx.state.version}`, current === all.length ? "good" : "warn"),
        stat("On other versions", all.length - current, "catching up, or stuck", all.length - current ? "warn" : ""),
        stat("Unnamed subscribers", fleet.unnamed_subscribers || 0, "plain clients (no omega: name)"),
      ),
      el("div", {class: "fleet-grid"}, byVersion(all), byState(all)),
      readersTable(all),
      nodes(),
    );
  }

  function stat(label, value, sub, tone) {
    return el(
      "div",
      {class: `stat card${tone ? ` stat-${tone}` : ""}`},
      el("div", {class: "stat-label"}, label),
      el("div", {class: "stat-value"}, String(value)),
      el("div", {class: "stat-sub muted"}, sub),
    );
  }

  function byVersion(all) {
    const counts = fleet.by_version && typeof fleet.by_version === "object" ? fleet.by_version : {};
    const versions = Object.keys(counts).sort((a, b) => Number(b) - Number(a));
    const max = Math.max(1, ...versions.map((v) => counts[v]));
    const bars = versions.map((v) => {
      const fill = el("span", {class: "bar-fill"});
      fill.style.width = `${Math.round((100 * counts[v]) / max)}%`; // CSSOM: allowed by the CSP
      const cur = v === ctx.state.version;
      return el(
        "li",
        {class: `bar${cur ? " bar-current" : ""}`, data: {version: v}},
        el("span", {class: "bar-label"}, `v${v}`, cur ? el("span", {class: "badge badge-current"}, "current") : null),
        el("span", {class: "bar-track"}, fill),
        el("span", {class: "bar-count"}, String(counts[v])),
      );
    });
    return el(
      "div",
      {class: "card fleet-card"},
      el("h3", {}, "By version"),
      all.length ? el("ul", {class: "bars", id: "fleet-by-version"}, bars) : el("p", {class: "muted"}, "No readers."),
    );
  }

  function byState(all) {
    const counts = new Map(STATES.map((s) => [s, 0]));
    for (const r of all) counts.set(r.state, (counts.get(r.state) || 0) + 1);
    return el(
      "div",
      {class: "card fleet-card"},
      el("h3", {}, "By state"),
      el(
        "ul",
        {class: "states"},
        [...counts].map(([s, n]) =>
          el("li", {}, el("span", {class: `state state-${s.toLowerCase()}`}, s), el("strong", {}, String(n))),
        ),
      ),
    );
  }

  function readersTable(all) {
    if (all.length === 0)
      return el(
        "div",
        {class: "card empty"},
        el("p", {}, "No reader has named its connection on these nodes."),
        el(
          "p",
          {class: "muted"},
          "Readers built on libomega_config or the omega_config package name theirs " +
            "omega:<service>:<host>:<pid>:v<version>:<state>; plain redis-py subscribers are counted above.",
        ),
      );
    const sorted = [...all].sort((a, b) => Number(b.version) - Number(a.version) || a.service.localeCompare(b.service));
    return el(
      "div",
      {class: "table-wrap card"},
      el(
        "table",
        {class: "table readers", id: "readers-table"},
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            ["Service", "Host", "PID", "Version", "State", "Node", "Idle"].map((h) => el("th", {}, h)),
          ),
        ),
        el(
          "tbody",
          {},
          sorted.map((r) =>
            el(
              "tr",
              {data: {version: r.version, state: r.state}},
              el("td", {}, el("strong", {}, r.service)),
              el("td", {}, r.host),
              el("td", {}, String(r.pid)),
              el(
                "td",
                {},
                el("span", {class: `pill pill-version${r.version === ctx.state.version ? "" : " pill-old"}`}, `v${r.version}`),
              ),
              el("td", {}, el("span", {class: `state state-${String(r.state).toLowerCase()}`}, r.state)),
              el("td", {class: "muted"}, r.node),
              el("td", {class: "muted"}, `${r.idle_s} s`),
            ),
          ),
        ),
      ),
    );
  }

  function nodes() {
    const list = Array.isArray(fleet.nodes) ? fleet.nodes : [];
    return el(
      "div",
      {class: "nodes muted"},
      "Asked: ",
      list.map((n, i) => [
        i ? " · " : "",
        el("code", {}, n.node),
        ` (${n.role})`,
        n.error ? el("span", {class: "warn-text"}, ` cannot be asked: ${n.error}`) : null,
      ]),
    );
  }

  panel.addEventListener("click", (e) => {
    if (e.target.closest("#fleet-refresh")) load();
  });

  return {load, render};
}
