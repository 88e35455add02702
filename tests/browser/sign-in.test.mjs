// Signing in to GraphiQL as a person does, in a real headless Chromium: through the real
// OpenID Connect provider of tests/oidc (its login and consent forms filled in), or with the
// development form; then GraphiQL calls the API with the session cookie and CSRF header, Sign
// out ends the session, and what can go wrong shows a plain error page. Against the real
// Orgraph binary on a loopback port with a fresh SQLite database; nothing may be asked of a
// host other than this machine.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertCleanRun, openBrowser, requireChromium, screenshot } from './lib/chromium.mjs';
import { headersText, runAndRead } from './lib/graphiql.mjs';
import { startOrgraphWithDevSignIn, startOrgraphWithProvider } from './lib/servers.mjs';

const VIEWER = { name: 'Viewer', query: 'query Viewer { viewer { email name } }' };
const FOUND_NETWORK = {
  name: 'Found',
  query: 'mutation Found { addOrganization(input: { name: "Ada Labs" }) { organization { name } } }',
};
const MY_ORGANIZATIONS = {
  name: 'Mine',
  query: 'query Mine { organizations { edges { node { name } } } }',
};
const SESSION_COOKIE = 'orgraph-session';

/** The session cookie the browser holds for `base`, if any. */
async function sessionCookie(context, base) {
  return (await context.cookies(base)).find((cookie) => cookie.name === SESSION_COOKIE);
}

/** GraphiQL has loaded, signed in as `email`. */
async function assertSignedInAs(page, email) {
  await page.locator('.graphiql-container').waitFor({ timeout: 20_000 });
  assert.equal(await page.locator('.orgraph-signed-in').innerText(), `signed in as ${email}`);
  assert.ok(await page.getByRole('button', { name: 'Sign out' }).isVisible());
}

/**
 * An error page of the sign-in: `status`, a heading and `detail` for the person, a way to
 * start again, and nothing of the server's insides.
 */
async function assertRefusedPage(page, response, status, detail) {
  assert.equal(response.status(), status, await page.content());
  assert.match(response.headers()['content-type'], /^text\/html/);
  assert.equal(await page.title(), 'Sign-in refused · Orgraph');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Sign-in refused');
  const text = await page.locator('main').innerText();
  assert.ok(text.includes(detail), text);
  assert.doesNotMatch(text, /panicked|backtrace|\.rs:\d|diesel|sqlite|Internal Server Error/i);
  assert.ok(await page.getByRole('link', { name: 'Start again' }).isVisible());
}

describe('signing in through the OpenID Connect provider', () => {
  let servers;
  let base;
  let issuer;

  before(async () => {
    await requireChromium();
    servers = await startOrgraphWithProvider();
    base = servers.orgraph.base;
    issuer = servers.provider.issuer;
  });

  after(async () => {
    await servers?.stop();
  });

  /** From GraphiQL's address through the provider's login and consent forms, back to GraphiQL. */
  async function signInAtProvider(page, login) {
    await page.goto(`${base}/graphql`);
    await page.waitForURL(`${issuer}/interaction/**`);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${base}/graphql`);
    await assertSignedInAs(page, `${login}@example.com`);
  }

  test('a person signs in at the provider and GraphiQL runs queries with the session', async () => {
    const { context, page, seen, close } = await openBrowser();
    try {
      const graphqlRequests = [];
      page.on('request', (request) => {
        if (request.method() === 'POST' && new URL(request.url()).pathname === '/graphql') {
          graphqlRequests.push(request);
        }
      });
      await signInAtProvider(page, 'ada');
      assert.ok(seen.sameHost.includes('/auth/callback'), `${seen.sameHost}`);

      // The session is an HttpOnly cookie: no script of the page can read it.
      const cookie = await sessionCookie(context, base);
      assert.ok(cookie, 'no session cookie');
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
      assert.doesNotMatch(await page.evaluate(() => document.cookie), /orgraph-session/);

      // Nothing to paste: the headers pane holds no token.
      assert.doesNotMatch(await headersText(page), /authorization|bearer/i);
      const answer = await runAndRead(page, VIEWER, 'viewer');
      assert.deepEqual(answer, { data: { viewer: { email: 'ada@example.com', name: 'ada (test)' } } });

      // Her own network, founded and then listed from GraphiQL with the session alone.
      const founded = await runAndRead(page, FOUND_NETWORK, 'addOrganization');
      assert.equal(founded.data.addOrganization.organization.name, 'Ada Labs', JSON.stringify(founded));
      const listed = await runAndRead(page, MY_ORGANIZATIONS, 'edges');
      assert.deepEqual(
        listed.data.organizations.edges.map((edge) => edge.node.name),
        ['Ada Labs'],
        JSON.stringify(listed),
      );

      const request = graphqlRequests.find((r) => r.postDataJSON()?.operationName === 'Viewer');
      assert.ok(request, 'GraphiQL sent no Viewer request');
      const headers = await request.allHeaders();
      const csrf = await page.locator('meta[name="orgraph-csrf-token"]').getAttribute('content');
      assert.ok(csrf);
      assert.equal(headers['x-csrf-token'], csrf);
      assert.equal(headers.authorization, undefined);
      assert.match(headers.cookie ?? '', new RegExp(`${SESSION_COOKIE}=${cookie.value}`));

      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });

  test('Sign out ends the session: the signed-out page, no cookie, an open GraphiQL refused', async () => {
    const { context, page, seen, close } = await openBrowser();
    try {
      await signInAtProvider(page, 'grace');
      const ended = await sessionCookie(context, base);
      // A second GraphiQL in another tab, open through the sign-out.
      const other = await context.newPage();
      await other.goto(`${base}/graphql`);
      await assertSignedInAs(other, 'grace@example.com');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${base}/auth/signed-out`);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'You are signed out');
      assert.ok(await page.getByRole('link', { name: 'Sign in again' }).isVisible());
      assert.equal(await sessionCookie(context, base), undefined, 'the session cookie is still there');

      const anonymous = await runAndRead(other, VIEWER, 'errors');
      assert.equal(anonymous.data, null);
      assert.equal(anonymous.errors[0].extensions.code, 'UNAUTHENTICATED', JSON.stringify(anonymous));

      // Not only the cookie is gone: the session itself has ended on the server.
      await context.addCookies([ended]);
      const replayed = await runAndRead(other, VIEWER, 'errors');
      assert.equal(replayed.errors[0].extensions.code, 'UNAUTHENTICATED', JSON.stringify(replayed));
      assert.match(replayed.errors[0].message, /session has ended/);

      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });

  test('a refused or forged sign-in shows an error page, and no session', async () => {
    const { context, page, seen, close } = await openBrowser();
    try {
      // The person cancels at the provider.
      await page.goto(`${base}/graphql`);
      await page.waitForURL(`${issuer}/interaction/**`);
      const [cancelled] = await Promise.all([
        page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/callback'),
        page.getByRole('link', { name: '[ Cancel ]' }).click(),
      ]);
      await page.waitForLoadState();
      await assertRefusedPage(page, cancelled, 403, 'The identity provider did not sign you in.');

      // A callback with a `state` this browser was never given (it has one of its own).
      await page.goto(`${base}/auth/login?return_to=%2Fgraphql`);
      await page.waitForURL(`${issuer}/interaction/**`);
      const forged = await page.goto(
        `${base}/auth/callback?code=forged&state=forged&iss=${encodeURIComponent(issuer)}`,
      );
      await assertRefusedPage(
        page,
        forged,
        400,
        'This sign-in was not started in this browser, or took too long.',
      );

      // A callback without any `state`.
      const incomplete = await page.goto(`${base}/auth/callback?code=forged`);
      await assertRefusedPage(page, incomplete, 400, "The provider's response is incomplete.");

      assert.equal(await sessionCookie(context, base), undefined);
      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });
});

describe('the development sign-in', () => {
  let orgraph;
  let base;

  before(async () => {
    await requireChromium();
    orgraph = await startOrgraphWithDevSignIn();
    base = orgraph.base;
  });

  after(async () => {
    await orgraph?.stop();
  });

  /** Fills in and sends the development form as `email`; lands on GraphiQL. */
  async function devSignIn(page, email) {
    await page.goto(`${base}/auth/login?return_to=%2Fgraphql`);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/graphql`);
    await assertSignedInAs(page, email);
  }

  test('signs in and out with the keyboard alone', async () => {
    const { context, page, seen, close } = await openBrowser();
    try {
      await page.goto(`${base}/graphql`);
      await page.waitForURL(`${base}/auth/login?return_to=%2Fgraphql`);
      assert.match(await page.getByRole('note').innerText(), /Development sign-in\./);
      // The field has its label and the focus; Tab goes on to the button.
      const email = page.getByLabel('Email');
      assert.equal(await email.getAttribute('type'), 'email');
      // Autofocus lands at Chromium's next rendering opportunity: wait for it (5 s, then fail).
      await page.waitForFunction(() => document.activeElement?.id === 'email', null, { timeout: 5000 });
      assert.ok(await email.evaluate((el) => el === document.activeElement), 'the email field has no focus');
      await page.keyboard.type('grace@example.com');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Sign in');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${base}/graphql`);
      await assertSignedInAs(page, 'grace@example.com');

      const answer = await runAndRead(page, VIEWER, 'viewer');
      assert.deepEqual(answer, { data: { viewer: { email: 'grace@example.com', name: null } } });

      // Sign out is a button a keyboard reaches and presses.
      await page.getByRole('button', { name: 'Sign out' }).focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(`${base}/auth/signed-out`);
      assert.equal(await sessionCookie(context, base), undefined);
      const after = await page.evaluate(async (query) => {
        const response = await fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        });
        return response.json();
      }, VIEWER.query);
      assert.equal(after.errors[0].extensions.code, 'UNAUTHENTICATED', JSON.stringify(after));
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Sign in again');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${base}/auth/login`);
      assert.ok(await page.getByLabel('Email').isVisible());

      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });

  test('return_to on another host is refused, in the address or in the form', async () => {
    const { context, page, seen, close } = await openBrowser();
    try {
      for (const elsewhere of ['https://elsewhere.example/', '//elsewhere.example/graphql']) {
        const refused = await page.goto(`${base}/auth/login?return_to=${encodeURIComponent(elsewhere)}`);
        await assertRefusedPage(page, refused, 400, 'return_to must be a path on this server');
      }

      await page.goto(`${base}/auth/login?return_to=%2Fgraphql`);
      await page
        .locator('input[name="return_to"]')
        .evaluate((input) => input.setAttribute('value', 'https://elsewhere.example/'));
      await page.getByLabel('Email').fill('mallory@example.com');
      const [sent] = await Promise.all([
        page.waitForRequest((r) => r.method() === 'POST'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      const posted = await sent.response();
      await page.waitForLoadState();
      assert.ok(posted, `the form's POST got no answer; the page went to ${page.url()}`);
      assert.equal(page.url(), `${base}/auth/login`);
      await assertRefusedPage(page, posted, 400, 'return_to must be a path on this server');
      assert.equal(await sessionCookie(context, base), undefined);
      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });

  test('a sign-out the server refuses stays on GraphiQL and says so', async () => {
    const { context, page, seen, close } = await openBrowser();
    try {
      await devSignIn(page, 'ada@example.com');
      // Another tab signs in as someone else: the cookie is now that session's, and the first
      // page's CSRF token no longer matches it.
      const other = await context.newPage();
      await devSignIn(other, 'bob@example.com');

      await page.getByRole('button', { name: 'Sign out' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /Sign out failed \(HTTP 403\)/);
      assert.equal(page.url(), `${base}/graphql`);
      await other.reload();
      await assertSignedInAs(other, 'bob@example.com');
      await assertCleanRun(page, seen);
    } finally {
      await close();
    }
  });

  for (const width of [420, 1280]) {
    test(`at ${width} px the header shows who is signed in and Sign out, whole`, async () => {
      const { page, seen, close } = await openBrowser({ width });
      try {
        await page.goto(`${base}/auth/login?return_to=%2Fgraphql`);
        await screenshot(page, `sign-in-form-${width}`);
        await devSignIn(page, 'ada.lovelace@analytical-engine.example');
        await page.locator('.graphiql-response').waitFor();
        assert.deepEqual(await headerProblems(page), []);
        await screenshot(page, `graphiql-signed-in-${width}`);

        await page.goto(`${base}/auth/login?return_to=%2F%2Felsewhere.example`);
        await screenshot(page, `sign-in-refused-${width}`);
        await page.goto(`${base}/auth/signed-out`);
        await screenshot(page, `signed-out-${width}`);
        await assertCleanRun(page, seen);
      } finally {
        await close();
      }
    });
  }
});

/**
 * What keeps a person from seeing the signed-in text or the Sign out button whole: outside
 * the window, cut off by a box that clips (the header scrolling sideways), covered by
 * something else, cut short, or overlapping each other or the tabs.
 */
function headerProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const header = document.querySelector('.graphiql-session-header');
    const tabs = document.querySelector('.graphiql-tabs');
    const parts = {
      'signed-in text': document.querySelector('.orgraph-signed-in'),
      'Sign out': document.querySelector('.orgraph-sign-out'),
    };
    const inside = (a, b) =>
      a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
    const overlap = (a, b) =>
      a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const viewport = { left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight };
    if (header.scrollWidth > header.clientWidth + 1) {
      problems.push(`the header overflows: ${header.scrollWidth} > ${header.clientWidth}`);
    }
    for (const [name, element] of Object.entries(parts)) {
      if (!element) {
        problems.push(`${name}: missing`);
        continue;
      }
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) problems.push(`${name}: has no size`);
      if (!inside(box, viewport)) problems.push(`${name}: outside the window ${JSON.stringify(box)}`);
      if (!inside(box, header.getBoundingClientRect())) problems.push(`${name}: outside the header`);
      for (let up = element.parentElement; up; up = up.parentElement) {
        const style = getComputedStyle(up);
        if (`${style.overflowX}${style.overflowY}` !== 'visiblevisible' && !inside(box, up.getBoundingClientRect())) {
          problems.push(`${name}: clipped by ${up.className || up.tagName}`);
        }
      }
      if (element.scrollWidth > element.clientWidth + 1) problems.push(`${name}: its text is cut`);
      const centre = document.elementFromPoint((box.left + box.right) / 2, (box.top + box.bottom) / 2);
      if (!element.contains(centre)) problems.push(`${name}: covered by ${centre?.className}`);
      if (tabs && overlap(box, tabs.getBoundingClientRect())) problems.push(`${name}: overlaps the tabs`);
    }
    const [text, button] = Object.values(parts);
    if (text && button && overlap(text.getBoundingClientRect(), button.getBoundingClientRect())) {
      problems.push('the signed-in text and Sign out overlap');
    }
    return problems;
  });
}
