// API client: the base URL comes from /config.json at runtime, else NEXT_PUBLIC_API_URL, else same origin.
// Every request carries this browser's watchlist key.

import { watchlistKey } from './visitor';

let configPromise;

export function loadConfig() {
  configPromise ??= fetch('/config.json', { cache: 'no-store' })
    .then((res) => (res.ok ? res.json() : {}))
    .catch(() => ({}))
    .then((cfg) => ({
      apiBaseUrl: String(cfg?.apiBaseUrl || process.env.NEXT_PUBLIC_API_URL || '').replace(/\/+$/, ''),
      // how often the quote, chart, watchlist and overview refresh themselves (news: 5 times slower)
      refreshSeconds: Math.max(1, Number(cfg?.refreshSeconds) || 60),
    }));
  return configPromise;
}

function describe(data) {
  const detail = data?.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) return detail.map((e) => String(e.msg).replace(/^Value error, /, '')).join('; ');
  return '';
}

async function request(method, path, body) {
  const { apiBaseUrl } = await loadConfig();
  let res;
  try {
    res = await fetch(apiBaseUrl + path, {
      method,
      headers: { 'X-Watchlist-Key': watchlistKey(), ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new Error('Cannot reach the API — check your connection.');
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error(describe(data) || `Request failed (HTTP ${res.status})`);
  return data;
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body) => request('POST', path, body),
  del: (path) => request('DELETE', path),
};
