// The console's only way to the host: the /v1 API with the bearer token from session storage.
const TOKEN_KEY = 'jobhook.token';

/** An error answer of the API, with its stable code. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** Headers for a request, with the token if there is one. */
export function authHeaders(extra = {}, token = session.token) {
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

/** Calls the API; resolves to the JSON body, rejects with ApiError. `token` overrides the session's. */
export async function api(path, { method = 'GET', body, token, signal } = {}) {
  const init = { method, headers: authHeaders(body === undefined ? {} : { 'content-type': 'application/json' }, token === undefined ? session.token : token), signal };
  if (body !== undefined) init.body = JSON.stringify(body);
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'HOST_UNREACHABLE', `the host did not answer (${e.message}); is jobhook serve running?`);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // An answer that is not JSON is reported below with its status.
  }
  if (!res.ok) {
    const err = json && json.error ? json.error : { code: `HTTP_${res.status}`, message: text.slice(0, 200) || res.statusText };
    throw new ApiError(res.status, err.code, err.message);
  }
  return json;
}

/** Query string from an object, skipping empty values; arrays repeat the key. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const item of v) q.append(k, item);
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
