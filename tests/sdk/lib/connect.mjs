// Organization Connect for the SDK's tests: the integrator's applications (tests/browser's
// set-up), and the consent given the way a first-party app does it without a browser: the
// administrator's bearer token on GET and POST /oauth/authorize, redirects not followed.

import { completeConnect, startConnect } from '@orgraph/sdk';

import { setUpConnect } from '../../browser/lib/oauth.mjs';

export { setUpConnect };

/** The applications' redirect URI: never contacted (the tests read the 303's Location). */
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/**
 * The person with `token` opens the authorization URL `url` and answers the consent page:
 * `decision` 'approve' (on `organizationId`, with its sub-organizations if
 * `includeSubOrganizations`) or 'deny'. Returns the URL Orgraph sends them back to.
 */
export async function consent(url, { token, organizationId, includeSubOrganizations = false, decision = 'approve' }) {
  const authorization = `Bearer ${token}`;
  const page = await fetch(url, { headers: { authorization }, redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`the consent page answered ${page.status}: ${html}`);
  // The page's form carries the request's parameters; the checkbox is the person's choice.
  const form = new URLSearchParams();
  for (const [name, value] of new URL(url).searchParams) {
    if (name !== 'include_sub_organizations') form.append(name, value);
  }
  form.set('decision', decision);
  if (decision === 'approve') form.set('organization_id', organizationId);
  if (includeSubOrganizations) form.set('include_sub_organizations', 'true');
  const answer = await fetch(new URL('/oauth/authorize', url), {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
  const location = answer.headers.get('location');
  if (answer.status !== 303 || !location) {
    throw new Error(`the consent answered ${answer.status}: ${await answer.text()}`);
  }
  return location;
}

/**
 * The whole flow with the SDK for `app` (`{ id, secret }` from `application()`): started,
 * approved by the administrator on `organizationId`, completed. Returns the started flow, the
 * callback URL and the tokens.
 */
export async function connectFlow(orgraph, app, { token, organizationId, scopes, includeSubOrganizations = false, fetch }) {
  const server = { issuer: orgraph.base, clientId: app.id, ...(fetch ? { fetch } : {}) };
  const started = await startConnect({ ...server, redirectUri: REDIRECT_URI, scopes, includeSubOrganizations });
  const callbackUrl = await consent(started.url, { token, organizationId, includeSubOrganizations });
  const tokens = await completeConnect({
    ...server,
    redirectUri: REDIRECT_URI,
    callbackUrl,
    state: started.state,
    codeVerifier: started.codeVerifier,
    ...(app.secret ? { clientSecret: app.secret } : {}),
  });
  return { started, callbackUrl, tokens };
}

/** A token store that keeps what it is given and counts `get` and `set`. */
export function memoryTokenStore(initial) {
  const store = {
    tokens: initial,
    gets: 0,
    sets: [],
    get() {
      store.gets += 1;
      return store.tokens;
    },
    set(tokens) {
      store.sets.push(tokens);
      store.tokens = tokens;
    },
  };
  return store;
}
