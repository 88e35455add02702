// The real Orgraph binary on a loopback port, against a fresh SQLite file: started, called
// and stopped by the federation tests, the benchmark and the browser tests.

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const JWT_SECRET = 'orgraph-federation-tests-secret-0123456789';

/** `ORGRAPH_BIN`, else cargo's build for `profile` (in `CARGO_TARGET_DIR` if set). */
export function orgraphBinary(profile = 'debug') {
  const targetDir = resolve(repoRoot, process.env.CARGO_TARGET_DIR ?? 'target');
  const binary = process.env.ORGRAPH_BIN ?? join(targetDir, profile, 'orgraph');
  if (!existsSync(binary)) {
    throw new Error(
      `no Orgraph binary at ${binary}: build it first (cargo build ${profile === 'release' ? '--release ' : ''}-p orgraph-server) or set ORGRAPH_BIN`,
    );
  }
  return binary;
}

export async function freePort() {
  const server = createServer();
  await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

/** POSTs a GraphQL request; returns the parsed body. */
export async function post(url, { token, query, variables, headers = {} }) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${url} answered ${response.status}: ${text}`);
  }
}

/** The data of a reply that must have no errors. */
export function ok(reply) {
  if (reply.errors?.length) {
    throw new Error(`unexpected errors: ${JSON.stringify(reply.errors)}`);
  }
  return reply.data;
}

/**
 * Starts `orgraph serve`. `seed`: first build a network of that many organizations with
 * `orgraph seed` (owner `seed@orgraph.local`); its report is `orgraph.seeded`. `port`: a port
 * chosen beforehand (an identity provider must know the redirect URI before Orgraph starts);
 * `args`: more flags for `serve` (e.g. `--dev-sign-in`).
 */
export async function startOrgraph({ binary = orgraphBinary(), workers, seed, port, args = [] } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'orgraph-federation-'));
  port ??= await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${join(dir, 'orgraph.db')}`,
    ORGRAPH_BIND: `127.0.0.1:${port}`,
    ORGRAPH_JWT_SECRET: JWT_SECRET,
    ORGRAPH_LOG: 'warn',
    ...(workers ? { ORGRAPH_WORKERS: String(workers) } : {}),
  };
  let seeded = null;
  if (seed) {
    const { stdout } = await promisify(execFile)(binary, ['seed', '--organizations', String(seed)], {
      env,
    });
    seeded = JSON.parse(stdout);
  }
  const child = spawn(binary, ['serve', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  const exited = new Promise((ok) => child.once('exit', ok));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`orgraph exited (${child.exitCode}): ${log}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`orgraph did not become healthy: ${log}`);
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }

  const url = `${base}/graphql`;
  const orgraph = {
    base,
    url,
    seeded,
    databaseUrl: env.DATABASE_URL,
    env,
    log: () => log,
    /** A bearer token for `email`, minted by `orgraph token` with the server's key. */
    async token(email) {
      const { stdout } = await promisify(execFile)(binary, ['token', '--email', email], { env });
      return stdout.trim();
    },
    gql: (token, query, variables = {}, headers = {}) => post(url, { token, query, variables, headers }),
    async addOrganization(token, name) {
      const data = ok(
        await orgraph.gql(
          token,
          'mutation($input: AddOrganizationInput!) { addOrganization(input: $input) { organization { id } } }',
          { input: { name } },
        ),
      );
      return data.addOrganization.organization.id;
    },
    async addSubOrganization(token, parentId, name) {
      const data = ok(
        await orgraph.gql(
          token,
          'mutation($input: AddSubOrganizationInput!) { addSubOrganization(input: $input) { organization { id } } }',
          { input: { parentId, name } },
        ),
      );
      return data.addSubOrganization.organization.id;
    },
    /** The ids of `rootId` and its whole subtree, in tree order. */
    async subtreeIds(token, rootId) {
      const ids = [rootId];
      let after = null;
      for (;;) {
        const data = ok(
          await orgraph.gql(
            token,
            'query($id: ID!, $after: String) { organization(id: $id) { descendants(first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }',
            { id: rootId, after },
          ),
        );
        const page = data.organization.descendants;
        ids.push(...page.edges.map((edge) => edge.node.id));
        if (!page.pageInfo.hasNextPage) return ids;
        after = page.pageInfo.endCursor;
      }
    },
    async setSetting(token, organizationId, key, value) {
      ok(
        await orgraph.gql(
          token,
          'mutation($input: SetSettingInput!) { setSetting(input: $input) { setting { key } } }',
          { input: { organizationId, key, value } },
        ),
      );
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
  return orgraph;
}
