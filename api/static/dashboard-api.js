// The dashboard's client of the /v1 JSON API: the key (kept in sessionStorage, sent as
// X-API-Key), filters as query parameters, and errors carrying the API's own message.

const KEY_NAME = "cxa-api-key";

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export function getKey() {
  return sessionStorage.getItem(KEY_NAME) || "";
}

export function setKey(key) {
  if (key) {
    sessionStorage.setItem(KEY_NAME, key);
  } else {
    sessionStorage.removeItem(KEY_NAME);
  }
}

// Query parameters of the filters: segment=COLUMN:VALUE, since, until, score_band.
export function filterParams(filters) {
  const params = [];
  if (filters.segmentColumn && filters.segmentValue) {
    params.push(["segment", `${filters.segmentColumn}:${filters.segmentValue}`]);
  }
  for (const name of ["since", "until", "score_band"]) {
    if (filters[name]) {
      params.push([name, filters[name]]);
    }
  }
  return params;
}

async function errorDetail(response) {
  try {
    const body = await response.json();
    if (body && typeof body.detail === "string") {
      return body.detail;
    }
  } catch (ignored) {
    // not JSON: fall back to the status text
  }
  return `${response.status} ${response.statusText}`.trim();
}

// GET a JSON endpoint. ``params`` is a list of [name, value] pairs (names may repeat).
export async function get(path, params = []) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of params) {
    url.searchParams.append(name, String(value));
  }
  const headers = { Accept: "application/json" };
  const key = getKey();
  if (key) {
    headers["X-API-Key"] = key;
  }
  const response = await fetch(url, { headers, cache: "no-store" });
  if (!response.ok) {
    throw new ApiError(response.status, await errorDetail(response));
  }
  return response.json();
}

const enc = encodeURIComponent;

export const endpoints = {
  runs: () => get("/v1/runs", [["limit", 500]]),
  run: (runId) => get(`/v1/runs/${enc(runId)}`),
  themes: (runId, score, params) =>
    get(`/v1/runs/${enc(runId)}/themes`, [["score", score], ["limit", 500], ...params]),
  theme: (runId, themeId, score, params) =>
    get(`/v1/runs/${enc(runId)}/themes/${enc(themeId)}`, [
      ["score", score],
      ["examples", 12],
      ...params,
    ]),
  painPoints: (runId, score, params) =>
    get(`/v1/runs/${enc(runId)}/pain-points`, [["score", score], ["limit", 500], ...params]),
  scores: (runId, params) => get(`/v1/runs/${enc(runId)}/scores`, params),
  search: (runId, query, params) =>
    get(`/v1/runs/${enc(runId)}/search`, [["q", query], ["limit", 25], ...params]),
};
