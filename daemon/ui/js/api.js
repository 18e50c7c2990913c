// The JSON API, as the console calls it. The admin token lives in this tab only: in memory and
// in sessionStorage (so a reload of the tab keeps the sign-in), never in a cookie, a URL or
// localStorage, and it leaves only as an Authorization header to this origin. With no cookie
// there is nothing a cross-site request could ride on (no CSRF).

const STORAGE_KEY = "omega-console-token";

let token = sessionStorage.getItem(STORAGE_KEY) || "";

export function hasToken() {
  return token !== "";
}

export function setToken(value) {
  token = value;
  sessionStorage.setItem(STORAGE_KEY, value);
}

export function forgetToken() {
  token = "";
  sessionStorage.removeItem(STORAGE_KEY);
}

// A refused request, sorted by what the page does about it.
export class ApiError extends Error {
  constructor(status, body) {
    const code = body && typeof body.error === "string" ? body.error : "";
    const message = body && typeof body.message === "string" ? body.message : "";
    super(message || (status ? `the writer answered ${status}` : "the writer cannot be reached"));
    this.status = status;
    this.code = code;
    this.details = body && Array.isArray(body.details) ? body.details : [];
    this.kind = kindOf(status, code);
  }
}

function kindOf(status, code) {
  if (status === 0) return "offline";
  if (status === 401) return "auth";
  if (status === 403) return code === "forbidden_key" ? "invalid" : "auth";
  if (status === 412 || (status === 409 && code === "version_conflict")) return "stale";
  if (status === 409) return "conflict"; // env_changed_on_disk: an operator must reload
  if (status === 422) return "invalid";
  if (status === 429) return "throttled";
  if (status === 503) return "unavailable";
  return "other";
}

// One request. Returns {status, json, etag} for 2xx and 304; throws ApiError otherwise (and
// the AbortError of an aborted long poll as it is).
export async function call(method, path, {body, ifMatch, ifNoneMatch, signal} = {}) {
  const headers = {Accept: "application/json"};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (ifMatch) headers["If-Match"] = ifMatch;
  if (ifNoneMatch) headers["If-None-Match"] = ifNoneMatch;
  let resp;
  try {
    resp = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store", // our own If-None-Match; the browser's cache must not answer for it
      credentials: "omit",
      redirect: "error",
      signal,
    });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, null);
  }
  const text = await resp.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (resp.ok || resp.status === 304) return {status: resp.status, json, etag: resp.headers.get("ETag")};
  throw new ApiError(resp.status, json);
}

export const get = (path, opts) => call("GET", path, opts);
export const post = (path, body, opts) => call("POST", path, {...opts, body});
