// Open local pages in headless Chromium (Debian's /usr/bin/chromium) through playwright-core,
// block and record every network request, record console and page errors, perform actions,
// read texts and save a screenshot. Used by tests/browser.py; see its docstring for the contract.
//
//   node tests/js/page.mjs SPEC.json      -> one JSON object on stdout
//   node tests/js/page.mjs -              (the spec in $ASKLESS_SPEC)
//
// SPEC: {"url": "file:///...", "actions": [{"do": "fill"|"select"|"click"|"check"|"press"|"wait",
//        "selector": "css", "value": "..."}], "texts": {"name": "css"}, "screenshot": "path.png"|null,
//        "timeout_ms": 5000}
// OUT:  {"texts": {"name": ["innerText", ...]}, "console_errors": [...], "page_errors": [...],
//        "requests": [...], "action_errors": [...], "screenshot": "path.png"|null}
//
// Other scripts (tests/js/flow.mjs) import launch() and open() to drive pages their own way.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.ASKLESS_CHROMIUM || '/usr/bin/chromium';
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A browser context with a fresh user-data-dir; close() removes the directory. */
export async function launch() {
  const dir = mkdtempSync(join(tmpdir(), 'askless-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 900, height: 900 },
    offline: true, locale: 'da-DK', timezoneId: 'UTC',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Open url in a new page. Every request other than the page's own document is recorded in
 * record.requests and aborted (a self-contained page makes none); console errors and uncaught
 * page errors are recorded too. */
export async function open(context, url) {
  const record = { console_errors: [], page_errors: [], requests: [] };
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') record.console_errors.push(msg.text());
  });
  page.on('pageerror', (err) => record.page_errors.push(String(err && err.message ? err.message : err)));
  page.on('request', (req) => {
    if (req.url() !== url) record.requests.push(req.url());
  });
  await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url, { waitUntil: 'load' });
  return { page, record };
}

/** Perform one action; returns an error message or null. */
export async function act(page, action, timeout) {
  const target = action.selector;
  try {
    switch (action.do) {
      case 'fill': await page.fill(target, String(action.value), { timeout }); break;
      case 'select': await page.selectOption(target, String(action.value), { timeout }); break;
      case 'click': await page.click(target, { timeout }); break;
      case 'check': await page.check(target, { timeout }); break;
      case 'press': await page.press(target, String(action.value), { timeout }); break;
      case 'wait': await page.waitForSelector(target, { timeout }); break;
      default: return `unknown action ${JSON.stringify(action.do)}`;
    }
  } catch (err) {
    return `${action.do} ${target}: ${String(err.message || err).split('\n')[0]}`;
  }
  return null;
}

async function main(specPath) {
  // '-': the spec is in $ASKLESS_SPEC (the command-line use of tests/browser.py)
  const spec = JSON.parse(specPath === '-' ? process.env.ASKLESS_SPEC : readFileSync(specPath, 'utf8'));
  const timeout = spec.timeout_ms || 5000;
  const url = spec.url.startsWith('file:') ? spec.url : pathToFileURL(spec.url).href;
  const browser = await launch();
  const out = { texts: {}, action_errors: [], screenshot: null };
  try {
    const { page, record } = await open(browser.context, url);
    for (const action of spec.actions || []) {
      const error = await act(page, action, timeout);
      if (error) {
        out.action_errors.push(error);
        break; // later actions depend on this one
      }
    }
    for (const [name, selector] of Object.entries(spec.texts || {})) {
      out.texts[name] = await page.$$eval(selector, (nodes) => nodes.map((n) => n.innerText));
    }
    if (spec.screenshot) {
      await page.screenshot({ path: spec.screenshot, fullPage: true });
      out.screenshot = spec.screenshot;
    }
    Object.assign(out, record);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2]).catch((err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
    process.exit(1);
  });
}
