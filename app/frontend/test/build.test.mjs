// Smoke test of the static export: run `npm run build` first, then `npm test`.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const out = new URL('../out/', import.meta.url);
const read = (path) => readFileSync(new URL(path, out), 'utf8');

test('out/index.html exists and carries the app title', () => {
  assert.ok(existsSync(new URL('index.html', out)), 'out/index.html missing: run `npm run build` first');
  const html = read('index.html');
  assert.match(html, /<title>Fintech Tracker — Bloomberg Terminal for the Everyman<\/title>/);
  assert.match(html, /Fintech Tracker/);
});

test('every referenced /_next/static asset exists', () => {
  const html = read('index.html');
  const assets = new Set([...html.matchAll(/\/_next\/static\/[^"'\s)\\?#]+/g)].map((m) => decodeURIComponent(m[0])));
  assert.ok(assets.size > 0, 'no /_next/static references found');
  assert.ok([...assets].some((a) => a.endsWith('.js')), 'no script assets referenced');
  assert.ok([...assets].some((a) => a.endsWith('.css')), 'no stylesheet referenced');
  const missing = [...assets].filter((asset) => !existsSync(new URL(`.${asset}`, out)));
  assert.deepEqual(missing, []);
});

test('default runtime config points the API at the same origin', () => {
  assert.deepEqual(JSON.parse(read('config.json')), { apiBaseUrl: '' });
});

test('the exported page carries the dashboard with its accessible controls', () => {
  const html = read('index.html');
  assert.match(html, /aria-label="Market overview"/);
  assert.match(html, /role="combobox"[^>]*aria-controls="search-results"|aria-controls="search-results"[^>]*role="combobox"/);
  assert.match(html, /role="listbox"/);
  assert.equal([...html.matchAll(/role="tab"/g)].length, 2);
  assert.match(html, /role="tabpanel"/);
  assert.equal([...html.matchAll(/aria-pressed="(true|false)"/g)].length, 5);
  assert.equal([...html.matchAll(/aria-pressed="true"/g)].length, 1);
});
