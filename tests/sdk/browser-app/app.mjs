// The integrator's browser app of browser-connect.test.mjs, bundled by esbuild (platform
// browser, ESM) with @orgraph/sdk from tests/sdk/node_modules: "Connect Orgraph" starts
// Organization Connect (state and PKCE verifier kept in sessionStorage); /callback completes it
// and reads the customer organization with the new access token. Its configuration is on
// <body data-*>, written by the test's server; what happened is shown in #outcome.
import { OrgraphClient, OrgraphError, completeConnect, startConnect } from '@orgraph/sdk';

const KEY = 'orgraph.connect';
const ORGANIZATION = `query AppOrganization($id: ID!) {
  organization(id: $id) { name children(first: 10) { edges { node { name } } } }
}`;

const { issuer, clientId, scopes } = document.body.dataset;
const redirectUri = new URL('/callback', location.origin).href;
const endpoint = new URL('/graphql', issuer).href;
const outcome = document.getElementById('outcome');

function show(state, fields) {
  outcome.dataset.state = state;
  for (const [name, value] of Object.entries(fields)) {
    const element = document.getElementById(name);
    element.textContent = typeof value === 'string' ? value : JSON.stringify(value);
  }
}

function failed(error) {
  outcome.dataset.code = error?.code ?? '';
  show('failed', {
    error: `${OrgraphError.is(error) ? 'OrgraphError' : (error?.name ?? 'Error')} ${error?.code ?? ''}: ${error?.message ?? error}`,
  });
}

async function connect() {
  const started = await startConnect({
    issuer,
    clientId,
    redirectUri,
    scopes: scopes.split(' '),
    includeSubOrganizations: true,
  });
  sessionStorage.setItem(KEY, JSON.stringify({ state: started.state, codeVerifier: started.codeVerifier }));
  location.assign(started.url);
}

async function callback() {
  const saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  sessionStorage.removeItem(KEY);
  if (!saved) throw new Error('no Connect in progress in this tab');
  const tokens = await completeConnect({
    issuer,
    clientId,
    redirectUri,
    callbackUrl: location.href,
    state: saved.state,
    codeVerifier: saved.codeVerifier,
  });
  show('authorized', {
    tokens: {
      organizationId: tokens.organizationId,
      scope: tokens.scope,
      includeSubOrganizations: tokens.includeSubOrganizations,
      refreshToken: typeof tokens.refreshToken === 'string',
      expiresIn: Math.round((tokens.expiresAt - Date.now()) / 1000),
    },
  });
  const client = new OrgraphClient({ endpoint, accessToken: tokens.accessToken });
  try {
    const data = await client.query(ORGANIZATION, { id: tokens.organizationId });
    show('connected', {
      organization: data.organization.name,
      branches: data.organization.children.edges.map((edge) => edge.node.name),
    });
  } finally {
    client[Symbol.dispose]();
  }
}

if (location.pathname === '/callback') {
  callback().catch(failed);
} else {
  const button = document.getElementById('connect');
  button.addEventListener('click', () => {
    button.disabled = true;
    connect().catch(failed);
  });
  button.disabled = false;
}
