// The console's start and its loop. After sign-in it loads the schema and the settings, then
// keeps them current by itself: a long poll (GET /config?wait=30 with If-None-Match, answered
// as soon as a new version is installed), the fleet every few seconds, and a one-second tick
// for the countdowns. Errors land where the user can act on them: a refused token back at
// the sign-in, an unavailable writer in a banner.
import {ApiError, forgetToken, get, hasToken, post, setToken} from "./api.js";
import {append, byId, clear, el} from "./dom.js";
import {createFleet} from "./fleet.js";
import {createHistory} from "./history.js";
import {renderReverts, tick} from "./reverts.js";
import {readSchema} from "./schema.js";
import {createSettings} from "./settings.js";

const WAIT_S = 30;
const FLEET_EVERY_MS = 5000;
const RETRY_MS = 2000;

const state = {version: null, config: {}, fields: [], pendingReverts: []};
let session = null; // {abort: AbortController, timers: [...]} while signed in
let tab = "settings";

const ctx = {state, handleError, banner, toast, openDialog, closeDialog, refresh};
const settings = createSettings(byId("panel-settings"), ctx);
const history = createHistory(byId("panel-history"), ctx);
const fleet = createFleet(byId("panel-fleet"), byId("fleet-summary"), ctx);

// ---- sign-in ---------------------------------------------------------------------------

function showLogin(message) {
  stop();
  byId("app").hidden = true;
  byId("status").hidden = true;
  byId("sign-out").hidden = true;
  byId("login").hidden = false;
  const error = byId("login-error");
  error.textContent = message || "";
  error.hidden = !message;
  byId("token").value = "";
  byId("token").focus();
}

// A token is checked with a dry run that changes nothing (an empty patch): the one request
// that needs an admin credential whatever --read-auth says, and writes no audit record.
async function signIn() {
  const value = byId("token").value.trim();
  if (!value) return;
  setToken(value);
  try {
    await post("/config/patch", {updates: {}, dry_run: true});
  } catch (err) {
    if (err.kind === "auth" || err.kind === "throttled") {
      forgetToken();
      showLogin(
        err.kind === "auth" ? "The writer refused this token." : "Too many attempts: wait a moment, then try again.",
      );
      return;
    }
    if (err.kind === "offline") {
      forgetToken();
      showLogin("The writer cannot be reached.");
      return;
    }
    // Anything else (a hand-edited .env, say) is not about the token: sign in, and say it.
  }
  start();
}

function signOut() {
  forgetToken();
  showLogin("");
}

// ---- the session ---------------------------------------------------------------------------

async function start() {
  byId("login").hidden = true;
  hideBanner();
  let schema;
  try {
    schema = (await get("/config/schema")).json;
    await refresh();
  } catch (err) {
    handleError(err);
    if (err.kind !== "auth") setTimeout(() => hasToken() && !session && start(), RETRY_MS);
    return;
  }
  state.fields = readSchema(schema);
  byId("app").hidden = false;
  byId("status").hidden = false;
  byId("sign-out").hidden = false;
  session = {abort: new AbortController(), timers: []};
  session.timers.push(setInterval(fleet.load, FLEET_EVERY_MS), setInterval(tick, 1000));
  live(true);
  showTab(tab);
  settings.render();
  fleet.load();
  watch(session);
}

function stop() {
  if (!session) return;
  session.abort.abort();
  for (const t of session.timers) clearInterval(t);
  session = null;
  closeDialog();
}

// GET /config now.
async function refresh() {
  const r = await get("/config");
  apply(r.json);
}

function apply(view) {
  const changed = view.version !== state.version;
  state.version = view.version;
  state.config = view.config || {};
  const now = Date.now();
  state.pendingReverts = (view.pending_reverts || []).map((p) => ({...p, deadline: now + p.remaining_s * 1000}));
  byId("current-version").textContent = `v${state.version}`;
  renderReverts(byId("reverts"), byId("reverts-list"), state.pendingReverts);
  if (!session) return;
  settings.update();
  if (changed) {
    history.update(tab === "history");
    // Readers install a version within milliseconds, then rename their connection.
    setTimeout(fleet.load, 500);
    fleet.render();
  }
}

// The long poll: answered at once when our version is stale, else when a new one lands or
// after WAIT_S seconds (304).
async function watch(own) {
  while (session === own) {
    try {
      const r = await get(`/config?wait=${WAIT_S}`, {ifNoneMatch: `"${state.version}"`, signal: own.abort.signal});
      if (session !== own) return;
      live(true);
      if (r.status === 200) apply(r.json);
    } catch (err) {
      if (err.name === "AbortError" || session !== own) return;
      live(false);
      if (err.kind === "auth") return handleError(err);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

function live(on) {
  const dot = byId("live");
  dot.textContent = on ? "live" : "reconnecting";
  dot.classList.toggle("live-off", !on);
}

// ---- messages ------------------------------------------------------------------------------

function handleError(err) {
  if (!(err instanceof ApiError)) {
    banner(`Unexpected error: ${err && err.message}`, "error");
    return;
  }
  switch (err.kind) {
    case "auth":
      forgetToken();
      showLogin(`The writer refused the token (${err.status}): sign in again.`);
      return;
    case "unavailable":
      banner(`The writer cannot do this right now (${err.code || err.status}): ${err.message}`, "error");
      return;
    case "offline":
      banner("The writer cannot be reached. The page keeps trying.", "error");
      return;
    case "throttled":
      banner("Too many requests: wait a moment, then try again.", "warn");
      return;
    case "conflict":
      banner(`${err.message} (${err.code})`, "warn");
      return;
    default:
      banner(`${err.message}${err.code ? ` (${err.code})` : ""}`, "error");
  }
}

function banner(text, tone) {
  byId("banner-text").textContent = text;
  byId("banner").className = `banner banner-${tone || "error"}`;
  byId("banner").hidden = false;
}

function hideBanner() {
  byId("banner").hidden = true;
}

// One confirmation at a time, bottom right, gone after a few seconds.
let toastTimer = null;
function toast(text) {
  for (const old of document.querySelectorAll(".toast")) old.remove();
  const t = el("div", {class: "toast", role: "status"}, text);
  document.body.append(t);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.remove(), 5000);
}

function openDialog(...children) {
  const dialog = byId("dialog");
  append(clear(byId("dialog-body")), children);
  if (!dialog.open) dialog.showModal();
}

function closeDialog() {
  const dialog = byId("dialog");
  if (dialog.open) dialog.close();
}

// ---- tabs ----------------------------------------------------------------------------------

function showTab(name) {
  tab = name;
  for (const b of document.querySelectorAll(".tab")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  for (const p of document.querySelectorAll(".panel")) p.hidden = p.dataset.panel !== name;
  if (name === "history") history.load();
  if (name === "fleet") fleet.render();
}

// ---- wiring --------------------------------------------------------------------------------

byId("sign-in").addEventListener("click", signIn);
byId("token").addEventListener("keydown", (e) => e.key === "Enter" && signIn());
byId("sign-out").addEventListener("click", signOut);
byId("banner-close").addEventListener("click", hideBanner);
for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => showTab(b.dataset.tab));

if (hasToken()) start();
else showLogin("");
