// The dashboard in headless Chromium, as a person uses it: the app (API on real PostgreSQL and
// Redis with the offline sample data, and the static export on the same origin) is started by
// ../backend/tests/live_server.py. Run `npm run build` and create ../backend/.venv first
// (run-tests.sh does both).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launch } from './cdp.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const PYTHON = here('../../backend/.venv/bin/python');
const REFRESH_SECONDS = 2;

let server;
let browser;
let url;

before(async () => {
  assert.ok(existsSync(PYTHON), `${PYTHON} missing: run ../backend/run-tests.sh (it makes the venv) first`);
  server = spawn(PYTHON, [here('../../backend/tests/live_server.py'), here('../out'), String(REFRESH_SECONDS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  url = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/^URL (\S+)$/m);
      if (match) resolve(match[1]);
    });
    server.on('exit', (code) => reject(new Error(`live_server.py exited (${code}) before it answered`)));
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stdin.end();
  await new Promise((resolve) => (server && server.exitCode == null ? server.on('exit', resolve) : resolve()));
});

const text = (selector) => `(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '')`;

// A fresh visitor (own browser context: own localStorage, so own watchlist key) on the dashboard.
async function visit(options) {
  const page = await browser.newPage(options);
  await page.goto(`${url}/`);
  await page.waitFor(`${text('.quote .price')} !== '—'`, 'the first quote');
  return page;
}

async function watch(page, symbol) {
  await page.click('.watchlist .add input');
  await page.type(symbol);
  await page.press('Enter');
  await page.waitFor(
    `[...document.querySelectorAll('.watchlist li .sym')].some((s) => s.textContent === ${JSON.stringify(symbol)})`,
    `${symbol} on the watchlist`,
  );
}

test('a terminal: overview strip, dense watchlist, statistics and prices under the chart, refreshing on its own', async () => {
  const page = await visit();
  for (const symbol of ['MSFT', 'KO', 'NVDA']) await watch(page, symbol);

  const strip = await page.waitFor(`(() => {
    const chips = [...document.querySelectorAll('.strip .index')];
    if (chips.length < 4 || chips.some((c) => !/\\d/.test(c.querySelector('.price').textContent))) return null;
    return { market: ${text('.strip .market')}, chips: chips.map((c) => c.querySelector('.sym').textContent),
             movers: [...document.querySelectorAll('.movers .chip .sym')].map((s) => s.textContent) };
  })()`, 'the overview strip');
  assert.deepEqual(strip.chips, ['SPY', 'QQQ', 'DIA', 'IWM']);
  assert.match(strip.market, /US market (Open|Closed|Pre-market|Closed \(holiday\))New York \d\d:\d\d · (opens|closes) /);
  assert.equal(strip.movers.length, 3);
  assert.ok(strip.movers.every((s) => ['MSFT', 'KO', 'NVDA'].includes(s)));

  const row = await page.evaluate(`(() => {
    const li = [...document.querySelectorAll('.watchlist li')].find((l) => l.querySelector('.sym').textContent === 'KO');
    return { range: li.querySelector('.range').textContent, vol: li.querySelector('.vol').textContent,
             spark: li.querySelector('.spark polyline')?.getAttribute('points').split(' ').length ?? 0,
             rchg: li.querySelector('.rchg').textContent };
  })()`);
  assert.match(row.range, /^Day \d+\.\d\d–\d+\.\d\d$/);
  assert.match(row.vol, /^Vol \d+(\.\d)?[KMB]$/);
  assert.ok(row.spark >= 15, `a trend line of the month's closes (${row.spark} points)`);
  assert.match(row.rchg, /^1M [+−]?\d+\.\d\d%$/);

  const details = await page.waitFor(`(() => {
    const rows = document.querySelectorAll('table.recent tbody tr').length;
    return rows && { stats: [...document.querySelectorAll('.stats dt')].map((d) => d.textContent), rows };
  })()`, 'statistics and recent prices');
  assert.deepEqual(details.stats, ['Open', 'Day high', 'Day low', 'Prev close', 'Volume', '1M high', '1M low', '1M change', 'Avg volume']);
  assert.equal(details.rows, 8);

  const asOf = await page.evaluate(text('.quote .asof'));
  assert.match(asOf, /^as of \d{4}-\d\d-\d\d · prices from \d\d:\d\d:\d\d · checked \d\d:\d\d:\d\d$/);
  await page.waitFor(`${text('.quote .asof')} !== ${JSON.stringify(asOf)}`, 'the quote to refresh itself');
  assert.match(await page.waitFor(text('.news-panel .updated')), /^News from \d\d:\d\d:\d\d · checked \d\d:\d\d:\d\d$/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('each panel fails alone, and says so', async () => {
  const page = await visit();
  await page.waitFor(`document.querySelector('.chart .line')`, 'the chart');
  await page.waitFor(`document.querySelectorAll('.news li').length > 0`, 'the news');

  // the chart's request fails: the quote stays, the chart says why
  await page.route('/api/history/', 502, 'upstream exploded');
  await page.click('.ranges button:nth-child(3)');
  await page.waitFor(`${text('.chart-panel')}.includes('Chart unavailable: upstream exploded')`, 'the chart error');
  assert.match(await page.evaluate(text('.quote .price')), /^\d[\d,]*\.\d\d$/);
  await page.unroute('/api/history/');

  // the quote's refresh fails: the last quote stays, marked stale
  await page.route('/api/quote/', 502, 'quote upstream down');
  await page.waitFor(`${text('.quote-status')}.startsWith('Stale: showing quote from')`, 'the stale quote');
  assert.match(await page.evaluate(text('.quote-status')), /\(quote upstream down\)$/);
  assert.match(await page.evaluate(text('.quote .price')), /^\d[\d,]*\.\d\d$/);
  await page.waitFor(`document.querySelector('.chart .line')`, 'the chart back');

  // another symbol's quote fails outright; its chart still draws
  await page.click('.strip .index');
  await page.waitFor(`${text('.quote-status')} === 'Quote unavailable: quote upstream down'`, 'the quote error');
  await page.waitFor(`${text('#quote-title')} === 'SPY' && document.querySelector('.chart .line')`, "SPY's chart");
  await page.unroute('/api/quote/');

  // news failing is "unavailable", not "no news"
  await page.route('/api/news', 502, 'news upstream down');
  await page.click('#news-tab-watchlist');
  await page.waitFor(`${text('#news-tabpanel')}.includes('News unavailable: news upstream down')`, 'the news error');
  assert.ok(!(await page.evaluate(text('#news-tabpanel'))).includes('No news right now'));
  await page.close();
});

test('keyboard first: / focuses search, arrows and Enter pick, Escape and a click outside close', async () => {
  const page = await visit();
  await page.waitFor(`document.querySelector('.quote .watch')`, 'the Watch button');
  await page.press('/');
  assert.equal(await page.evaluate(`document.activeElement.getAttribute('role')`), 'combobox');
  await page.type('co');
  await page.waitFor(`document.querySelectorAll('#search-results [role=option]').length >= 2`, 'the results');
  const options = await page.evaluate(`[...document.querySelectorAll('#search-results [role=option]')].map((o) => o.textContent)`);
  await page.press('ArrowDown');
  const activeId = await page.evaluate(`document.activeElement.getAttribute('aria-activedescendant')`);
  assert.equal(activeId, 'search-option-1');
  assert.equal(await page.evaluate(`document.getElementById('search-option-1').getAttribute('aria-selected')`), 'true');
  assert.equal(await page.evaluate(`document.getElementById('search-option-0').getAttribute('aria-selected')`), 'false');
  await page.press('ArrowUp');
  await page.press('ArrowDown');
  await page.press('Enter');
  const picked = options[1].split(' ')[0];
  await page.waitFor(`${text('#quote-title')} === ${JSON.stringify(picked)}`, `${picked} shown`);
  assert.equal(await page.evaluate(`document.getElementById('search-results').hidden`), true);
  assert.equal(await page.evaluate(`document.activeElement.getAttribute('aria-expanded')`), 'false');

  // Escape closes the list
  await page.type('m');
  await page.waitFor(`!document.getElementById('search-results').hidden`, 'the list open');
  await page.press('Escape');
  assert.equal(await page.evaluate(`document.getElementById('search-results').hidden`), true);

  // a click elsewhere closes it, and the Watch button under it can be clicked
  await page.press('ArrowDown');
  await page.waitFor(`!document.getElementById('search-results').hidden`, 'the list open again');
  await page.click('.strip .market');
  assert.equal(await page.evaluate(`document.getElementById('search-results').hidden`), true);
  const watch = await page.centre('.quote .watch');
  assert.equal(await page.evaluate(`document.elementFromPoint(${watch.x}, ${watch.y})?.className`), 'watch');
  await page.clickAt(watch);
  await page.waitFor(`[...document.querySelectorAll('.watchlist .sym')].some((s) => s.textContent === ${JSON.stringify(picked)})`, 'watched');

  // tabs and range buttons say which is chosen
  const tabs = () => page.evaluate(`[...document.querySelectorAll('[role=tab]')].map((t) => t.getAttribute('aria-selected'))`);
  assert.deepEqual(await tabs(), ['true', 'false']);
  await page.click('#news-tab-symbol');
  await page.press('ArrowRight');
  assert.deepEqual(await tabs(), ['false', 'true']);
  assert.equal(await page.evaluate(`document.activeElement.id`), 'news-tab-watchlist');
  assert.equal(await page.evaluate(`document.querySelector('[role=tabpanel]').getAttribute('aria-labelledby')`), 'news-tab-watchlist');
  const pressed = () => page.evaluate(`[...document.querySelectorAll('.ranges button')].map((b) => b.getAttribute('aria-pressed'))`);
  assert.deepEqual(await pressed(), ['false', 'true', 'false', 'false', 'false']);
  await page.click('.ranges button:nth-child(5)');
  assert.deepEqual(await pressed(), ['false', 'false', 'false', 'false', 'true']);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('axe-core finds no critical or serious violation, with the search list closed and open', async () => {
  const page = await visit();
  await watch(page, 'KO');
  await page.waitFor(`document.querySelectorAll('.news li').length > 0 && document.querySelector('table.recent')`);
  await page.evaluate(readFileSync(here('../node_modules/axe-core/axe.min.js'), 'utf8'));
  await page.click('.strip .market'); // out of the watchlist's input: there / is typed
  const audit = `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })))`;
  assert.deepEqual(await page.evaluate(audit), []);
  await page.press('/');
  await page.type('a');
  await page.waitFor(`document.querySelectorAll('#search-results [role=option]').length > 0`);
  await page.press('ArrowDown');
  assert.deepEqual(await page.evaluate(audit), []);
  await page.close();
});

test('at 390 px the chart labels are readable and picking a symbol scrolls to it', async () => {
  const page = await visit({ width: 390, height: 844, mobile: true });
  for (const symbol of ['KO', 'PEP', 'V', 'MA']) await watch(page, symbol);
  await page.waitFor(`document.querySelector('.chart .line')`, 'the chart');
  const labels = await page.evaluate(`(() => {
    const svg = document.querySelector('.chart');
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const box = svg.getBoundingClientRect();
    return [...svg.querySelectorAll('text')].map((t) => {
      const r = t.getBoundingClientRect();
      return { px: parseFloat(getComputedStyle(t).fontSize) * scale, inside: r.left >= box.left - 1 && r.right <= box.right + 1 };
    });
  })()`);
  assert.ok(labels.length >= 5);
  for (const label of labels) {
    assert.ok(label.px >= 11, `a chart label drawn at ${label.px.toFixed(1)} px`);
    assert.ok(label.inside, 'a chart label cut off');
  }
  const wide = await page.evaluate(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 391)
    .map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 5)`);
  assert.deepEqual(wide, [], 'the page scrolls sideways');

  // the quote is below the watchlist: picking the last symbol brings it into view
  await page.evaluate(`window.scrollTo(0, 0)`);
  await page.click('.watchlist li:last-child .row');
  await page.waitFor(`${text('#quote-title')} === 'MA'`, 'MA shown');
  const top = await page.waitFor(`(() => { const t = document.querySelector('.quote').getBoundingClientRect().top;
    return Math.abs(t) < 40 ? String(t) : null; })()`, 'the quote scrolled into view');
  assert.ok(Math.abs(Number(top)) < 40);
  assert.ok(await page.evaluate(`window.scrollY > 0`));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("each visitor has their own watchlist, and the API refuses writes without this browser's key", async () => {
  const alice = await visit();
  await watch(alice, 'KO');
  const key = await alice.evaluate(`localStorage.getItem('fintech.watchlistKey')`);
  assert.match(key, /^[A-Za-z0-9_-]{22,64}$/);

  const bob = await visit();
  await bob.waitFor(`${text('.watchlist')}.includes('Nothing watched yet')`, "Bob's empty watchlist");
  const status = await bob.evaluate(`fetch('/api/watchlist', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ symbol: 'KO' }) }).then((r) => r.status)`);
  assert.equal(status, 401);

  // Alice's list survives a reload: the key stays in her browser
  await alice.goto(`${url}/`);
  await alice.waitFor(`[...document.querySelectorAll('.watchlist .sym')].some((s) => s.textContent === 'KO')`, 'KO after a reload');
  await alice.close();
  await bob.close();
});
