// Orgraph's consent page worked the way a person does, in Chromium: sent to the development
// sign-in on the way, then the organization chosen and Approve or Deny pressed.

/**
 * Opens `url` (an authorization request) in a browser that is not signed in: Orgraph sends it to
 * the development sign-in, the person signs in as `email` and is sent back to the request.
 * Returns the `return_to` the sign-in was given and the consent page's response.
 */
export async function signInOnTheWay(page, url, email) {
  await page.goto(url);
  await page.waitForURL((at) => at.pathname === '/auth/login');
  const returnTo = new URL(page.url()).searchParams.get('return_to');
  await page.getByLabel('Email').fill(email);
  const [consent] = await Promise.all([
    page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/oauth/authorize' && r.request().method() === 'GET',
    ),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  await page.waitForLoadState();
  return { returnTo, consent };
}

/** Opens `url` in a browser already signed in: the consent page straight away. */
export async function openConsent(page, url) {
  const response = await page.goto(url);
  if (response.status() !== 200) {
    throw new Error(`the consent page answered ${response.status()}: ${await page.content()}`);
  }
  return response;
}

/**
 * Chooses `organization` (its name as offered), ticks "Include its sub-organizations" if
 * `subOrganizations`, presses Approve and waits until the browser is at `redirectOrigin`.
 * Returns the URL it landed on.
 */
export async function approve(page, { organization, subOrganizations = false, redirectOrigin }) {
  await page.getByRole('combobox', { name: 'Organization' }).selectOption({ label: organization });
  const subs = page.getByRole('checkbox', { name: 'Include its sub-organizations' });
  if (subOrganizations) await subs.check();
  else await subs.uncheck();
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.waitForURL((at) => at.origin === redirectOrigin);
  return page.url();
}

/** The names of the organizations the consent page offers. */
export function offeredOrganizations(page) {
  return page.getByRole('combobox', { name: 'Organization' }).locator('option:not([disabled])').allInnerTexts();
}

/** The organization chosen now: empty until the person chooses one. */
export function chosenOrganization(page) {
  return page.getByRole('combobox', { name: 'Organization' }).inputValue();
}

/** The requested scopes as the page lists them, one line each. */
export function listedScopes(page) {
  return page
    .locator('ul.orgraph-scopes li')
    .allInnerTexts()
    .then((items) => items.map((text) => text.replace(/\s+/g, ' ').trim()));
}
