// Talking to the server: sign-in, tokens kept in IndexedDB, requests with the access token,
// refreshed when it has expired or the server answers 401. Losing the sign-in never touches the
// outbox: the phone keeps every unsent record until the same user signs in again.
import { kvGet, kvSet, count } from "./db.js";
import { uuidv7 } from "./uuid.js";

/** The sign-in is gone (refresh token expired or revoked): sign in again, online. */
export class SignInNeeded extends Error {}
/** No connection (fetch itself failed). */
export class Offline extends Error {}
/** The server answered with a problem document. */
export class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.code = (body?.type || "").split(":").pop() || String(status);
  }
}

export async function problemOf(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  return new Problem(res.status, body);
}

/** The phone's id, generated once and kept (IndexedDB, with localStorage as a second copy). */
export async function deviceId() {
  let id = (await kvGet("device_id")) || localStorage.getItem("fieldcheck.device_id");
  if (!id) id = `web-${uuidv7()}`;
  await kvSet("device_id", id);
  localStorage.setItem("fieldcheck.device_id", id);
  return id;
}

export const session = () => kvGet("session");

async function keep(tokens) {
  const now = Date.now();
  const s = {
    access_token: tokens.access_token,
    // Refresh a little early: a request must not arrive with a token that expired on the way.
    access_expires: now + Math.max(0, tokens.expires_in - 30) * 1000,
    refresh_token: tokens.refresh_token,
    refresh_expires: now + tokens.refresh_expires_in * 1000,
    user: tokens.user,
  };
  await kvSet("session", s);
  return s;
}

async function post(path, body) {
  try {
    return await fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
    });
  } catch (e) {
    throw new Offline(e.message);
  }
}

/**
 * Signs in. Refused when the outbox holds another user's unsent records (they could only be
 * sent as that user).
 */
export async function signIn(username, password) {
  const res = await post("/auth/login", { username, password, device_id: await deviceId() });
  if (!res.ok) throw await problemOf(res);
  const tokens = await res.json();
  const owner = await kvGet("owner");
  const unsent = await count("outbox");
  if (owner && owner !== tokens.user.id && unsent > 0) {
    await post("/auth/logout", { refresh_token: tokens.refresh_token }).catch(() => {});
    const e = new Error("outbox of another user");
    e.unsent = unsent;
    throw e;
  }
  if (owner && owner !== tokens.user.id) await kvSet("cursor", null);
  await kvSet("owner", tokens.user.id);
  return keep(tokens);
}

let refreshing = null;

/** Spends the refresh token for new tokens (one refresh at a time). */
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const s = await session();
      if (!s?.refresh_token) throw new SignInNeeded();
      const res = await post("/auth/refresh", { refresh_token: s.refresh_token });
      if (res.status === 401) {
        await kvSet("session", { ...s, access_token: null, refresh_token: null });
        throw new SignInNeeded();
      }
      if (!res.ok) throw await problemOf(res);
      return keep(await res.json());
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** A request with the access token; refreshes it first when expired, and once on a 401. */
export async function request(path, init = {}) {
  let s = await session();
  if (!s?.refresh_token) throw new SignInNeeded();
  if (!s.access_token || Date.now() >= s.access_expires) s = await refresh();
  const go = async (token) => {
    try {
      return await fetch(path, {
        ...init,
        cache: "no-store",
        headers: { ...(init.headers || {}), authorization: `Bearer ${token}` },
      });
    } catch (e) {
      throw new Offline(e.message);
    }
  };
  let res = await go(s.access_token);
  if (res.status === 401) {
    s = await refresh();
    res = await go(s.access_token);
  }
  return res;
}

/** A JSON request whose answer must be 2xx. */
export async function json(path, body) {
  const res = await request(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await problemOf(res);
  return res.json();
}

/** Signs out on the server (best effort) and forgets the tokens. */
export async function signOut() {
  const s = await session();
  if (s?.refresh_token) await post("/auth/logout", { refresh_token: s.refresh_token }).catch(() => {});
  await kvSet("session", null);
}

