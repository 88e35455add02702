// Debian's Chromium (/usr/bin/chromium) through playwright-core, headless, on a fresh profile,
// held offline: only 127.0.0.1 and localhost resolve, a request to any other host is aborted
// and recorded, so a test can assert that a page needed nothing from outside.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { chromium } from 'playwright-core';

import { repoRoot } from '../../federation/lib/orgraph.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Next to the build (CARGO_TARGET_DIR if set, else target/), like the binary the tests start. */
export const SCREENSHOTS = join(resolve(repoRoot, process.env.CARGO_TARGET_DIR ?? 'target'), 'browser');

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Redirects escape `context.route` (it sees a navigation's first request only): a host that
  // doesn't resolve stops them too.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];

const LOOPBACK = new Set(['127.0.0.1', 'localhost']);

/** Fails with how to get Chromium when it isn't there. */
export async function requireChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  await mkdir(SCREENSHOTS, { recursive: true });
}

/**
 * Chromium on a fresh profile with one page of `width` × `height`. `seen` collects, from every
 * page of the context: requests to other hosts (`offHost`, including redirect hops), paths
 * asked of this machine (`sameHost`), console lines, uncaught errors and CSP violations
 * (read with `cspViolations(page)`). `close()` also removes the profile.
 */
export async function openBrowser({ width = 1280, height = 900 } = {}) {
  const userDataDir = await mkdtemp(join(tmpdir(), 'orgraph-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width, height },
    args: ARGS,
  });
  const seen = { offHost: [], sameHost: [], console: [], pageErrors: [] };
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol === 'data:') return;
    if (LOOPBACK.has(url.hostname)) seen.sameHost.push(url.pathname);
    else seen.offHost.push(url.href);
  });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    return LOOPBACK.has(url.hostname) || url.protocol === 'data:'
      ? route.continue()
      : route.abort('blockedbyclient');
  });
  // Violations also as DOM events, in case the console wording changes.
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const watch = (page) => {
    page.on('console', (message) => seen.console.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => seen.pageErrors.push(String(error)));
  };
  context.on('page', watch);
  for (const open of context.pages()) watch(open);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    seen,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

export function cspViolations(page) {
  return page.evaluate(() => window.__cspViolations);
}

/** Nothing was asked of another host, the page broke no CSP and threw nothing. */
export async function assertCleanRun(page, seen) {
  assert.deepEqual(seen.offHost, [], 'requests to other hosts');
  const csp = seen.console.filter((line) => /content security policy/i.test(line));
  assert.deepEqual(csp, [], 'CSP violations in the console');
  assert.deepEqual(await cspViolations(page), [], 'CSP violations');
  assert.deepEqual(seen.pageErrors, [], 'uncaught errors');
}

/** A screenshot of `page` as `name`.png in SCREENSHOTS. */
export function screenshot(page, name) {
  return page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
