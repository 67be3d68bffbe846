// The console's one way to the JSON API: the bearer key from session storage on every call,
// and every failure as an ApiError with the catalog's code (the API's error shape).

const storageKey = "modelbus.console.key";

export const session = {
  /** The key, "" when signed in without one (a loopback service with no key), null when signed out. */
  key: () => sessionStorage.getItem(storageKey),
  signedIn: () => sessionStorage.getItem(storageKey) !== null,
  save: (key) => sessionStorage.setItem(storageKey, key),
  clear: () => sessionStorage.removeItem(storageKey),
};

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** fetch(path) with the key; the parsed JSON body (undefined for 204), or an ApiError. */
export async function api(path, { method = "GET", body, key = session.key(), text = false } = {}) {
  const headers = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
  } catch (error) {
    throw new ApiError(0, "E_NETWORK", `modelbus did not answer (${error.message})`);
  }
  if (response.status === 204) return undefined;
  const raw = await response.text();
  if (response.ok && text) return raw;
  let json;
  try {
    json = raw === "" ? undefined : JSON.parse(raw);
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = json?.error ?? {};
    throw new ApiError(response.status, error.code ?? `HTTP_${response.status}`, error.message ?? `HTTP ${response.status}`, error.details);
  }
  return json;
}

/** A query string from the set values of `params` ("" when none is set). */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}
