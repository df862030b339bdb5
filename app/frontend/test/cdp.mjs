// A small Chrome DevTools Protocol client over --remote-debugging-pipe (no WebSocket, no
// dependency): launch headless Chromium, open pages in their own browser contexts (their own
// localStorage), and drive them with real input events.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath() {
  const found = [process.env.CHROMIUM, ...CANDIDATES].find((path) => path && existsSync(path));
  if (!found) throw new Error('Chromium not found: install it (apt-get install chromium) or set CHROMIUM');
  return found;
}

const KEYS = {
  Enter: { code: 'Enter', keyCode: 13, text: '\r' },
  Escape: { code: 'Escape', keyCode: 27 },
  Tab: { code: 'Tab', keyCode: 9 },
  ArrowDown: { code: 'ArrowDown', keyCode: 40 },
  ArrowUp: { code: 'ArrowUp', keyCode: 38 },
  ArrowLeft: { code: 'ArrowLeft', keyCode: 37 },
  ArrowRight: { code: 'ArrowRight', keyCode: 39 },
  '/': { code: 'Slash', keyCode: 191, text: '/' },
};

export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'fintech-chromium-'));
  const proc = spawn(
    chromiumPath(),
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--no-default-browser-check', '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  proc.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const pending = new Map();
  const listeners = new Set();
  let nextId = 1;
  let buffer = '';
  proc.stdio[4].on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    let end;
    while ((end = buffer.indexOf('\0')) >= 0) {
      const message = JSON.parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      if (message.id && pending.has(message.id)) {
        const { resolve, reject, method } = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result);
      } else if (message.method) {
        for (const listener of listeners) listener(message);
      }
    }
  });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  exited.then(() => {
    for (const { reject } of pending.values()) reject(new Error(`Chromium exited: ${stderr}`));
  });

  const send = (method, params = {}, sessionId = undefined) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject, method });
      proc.stdio[3].write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
    });

  await send('Browser.getVersion');
  return {
    send,
    async newPage({ width = 1440, height = 900, mobile = false } = {}) {
      const { browserContextId } = await send('Target.createBrowserContext');
      const { targetId } = await send('Target.createTarget', { url: 'about:blank', browserContextId });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      const page = new Page(send, listeners, sessionId);
      await page.call('Page.enable');
      await page.call('Runtime.enable');
      await page.call('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile });
      if (mobile) await page.call('Emulation.setTouchEmulationEnabled', { enabled: true });
      page.close = () => send('Target.disposeBrowserContext', { browserContextId });
      return page;
    },
    async close() {
      await send('Browser.close').catch(() => {});
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      proc.kill('SIGKILL');
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

class Page {
  constructor(send, listeners, sessionId) {
    this.send = send;
    this.sessionId = sessionId;
    this.errors = [];
    this.handlers = new Map();
    this.routes = [];
    listeners.add((message) => {
      if (message.sessionId !== sessionId) return;
      if (message.method === 'Runtime.exceptionThrown') {
        this.errors.push(message.params.exceptionDetails.exception?.description ?? message.params.exceptionDetails.text);
      } else if (message.method === 'Runtime.consoleAPICalled' && message.params.type === 'error') {
        this.errors.push(message.params.args.map((a) => a.value ?? a.description).join(' '));
      } else if (message.method === 'Fetch.requestPaused') {
        this.onRequest(message.params);
      }
      for (const handler of this.handlers.get(message.method) ?? []) handler(message.params);
    });
  }

  call(method, params = {}) {
    return this.send(method, params, this.sessionId);
  }

  once(method) {
    return new Promise((resolve) => {
      const handlers = this.handlers.get(method) ?? new Set();
      const handler = (params) => {
        handlers.delete(handler);
        resolve(params);
      };
      handlers.add(handler);
      this.handlers.set(method, handlers);
    });
  }

  async goto(url) {
    const loaded = this.once('Page.loadEventFired');
    await this.call('Page.navigate', { url });
    await loaded;
  }

  async evaluate(expression) {
    const { result, exceptionDetails } = await this.call('Runtime.evaluate', {
      expression, awaitPromise: true, returnByValue: true,
    });
    if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value;
  }

  // Poll `expression` until it is truthy; its last value is returned (an element: true).
  async waitFor(expression, what = expression, timeout = 15000) {
    const deadline = Date.now() + timeout;
    const check = `(() => { const v = (${expression}); return v instanceof Node ? true : v; })()`;
    for (;;) {
      const value = await this.evaluate(check);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async press(key) {
    const known = KEYS[key];
    const info = known ?? { code: `Key${key.toUpperCase()}`, keyCode: key.toUpperCase().charCodeAt(0), text: key };
    const base = { key, code: info.code, windowsVirtualKeyCode: info.keyCode };
    await this.call('Input.dispatchKeyEvent', { type: info.text ? 'keyDown' : 'rawKeyDown', ...base, text: info.text });
    await this.call('Input.dispatchKeyEvent', { type: 'keyUp', ...base });
  }

  async type(text) {
    for (const char of text) await this.press(char);
  }

  // The centre of the first element matching `selector`, scrolled into view if needed.
  async centre(selector) {
    const box = await this.evaluate(`(() => {
      const el = document.querySelector(${JSON.stringify(selector)});
      if (!el) return null;
      const r = el.getBoundingClientRect();
      if (r.top < 0 || r.bottom > innerHeight) el.scrollIntoView({ block: 'center' });
      const s = el.getBoundingClientRect();
      return { x: s.left + s.width / 2, y: s.top + s.height / 2 };
    })()`);
    if (!box) throw new Error(`no element matches ${selector}`);
    return box;
  }

  async clickAt({ x, y }) {
    await this.call('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
    await this.call('Input.dispatchMouseEvent', { type: 'mousePressed', x, y, button: 'left', clickCount: 1 });
    await this.call('Input.dispatchMouseEvent', { type: 'mouseReleased', x, y, button: 'left', clickCount: 1 });
  }

  async click(selector) {
    await this.clickAt(await this.centre(selector));
  }

  // Answer requests whose URL contains `part` with `status` and a JSON `detail`, until unroute().
  async route(part, status, detail) {
    this.routes.push({ part, status, detail });
    await this.call('Fetch.enable', { patterns: [{ urlPattern: '*/api/*' }] });
  }

  async unroute(part) {
    this.routes = this.routes.filter((r) => r.part !== part);
  }

  onRequest({ requestId, request }) {
    const route = this.routes.find((r) => request.url.includes(r.part));
    if (!route) {
      this.call('Fetch.continueRequest', { requestId }).catch(() => {});
      return;
    }
    this.call('Fetch.fulfillRequest', {
      requestId,
      responseCode: route.status,
      responseHeaders: [{ name: 'Content-Type', value: 'application/json' }],
      body: Buffer.from(JSON.stringify({ detail: route.detail })).toString('base64'),
    }).catch(() => {});
  }
}
