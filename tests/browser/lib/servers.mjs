// The servers a browser test signs in against: the real Orgraph binary on a loopback port with
// a fresh SQLite database, with the development sign-in or with the real OpenID Connect
// provider of tests/oidc (the npm package oidc-provider, configured in provider.mjs).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, repoRoot, startOrgraph } from '../../federation/lib/orgraph.mjs';

const PROVIDER = join(repoRoot, 'tests/oidc/provider.mjs');

/** Orgraph's client at the provider (provider.mjs registers it with `--redirect-uri`). */
const CLIENT = { id: 'orgraph', secret: 'orgraph-secret' };

/** Orgraph with the development sign-in form (`--dev-sign-in`). */
export function startOrgraphWithDevSignIn() {
  return startOrgraph({ args: ['--dev-sign-in'] });
}

/**
 * The provider, then Orgraph signing people in through it: the port is chosen first, as the
 * provider must know Orgraph's redirect URI and Orgraph reads the provider's discovery
 * document when it starts. `stop()` stops both.
 */
export async function startOrgraphWithProvider() {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const provider = await startProvider({ redirectUri: `${publicUrl}/auth/callback` });
  let orgraph;
  try {
    orgraph = await startOrgraph({
      port,
      args: [
        '--oidc-issuer', provider.issuer,
        '--oidc-client-id', CLIENT.id,
        '--oidc-client-secret', CLIENT.secret,
        '--public-url', publicUrl,
      ],
    });
  } catch (error) {
    await provider.stop();
    throw error;
  }
  return {
    orgraph,
    provider,
    async stop() {
      await orgraph.stop();
      await provider.stop();
    },
  };
}

/** `node tests/oidc/provider.mjs` on a free port, with fresh keys; ready when it says so. */
export async function startProvider({ redirectUri }) {
  if (!existsSync(join(repoRoot, 'tests/oidc/node_modules'))) {
    throw new Error('the OpenID Connect provider needs its packages: npm ci in tests/oidc');
  }
  const keyDir = await mkdtemp(join(tmpdir(), 'orgraph-provider-keys-'));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [PROVIDER, '--port', String(port), '--key-dir', keyDir, '--redirect-uri', redirectUri],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  const exited = new Promise((ok) => child.once('exit', ok));
  const issuer = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`the provider did not start: ${log}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const ready = /^ready (\S+)$/m.exec(out);
      if (ready) {
        clearTimeout(timer);
        ok(ready[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the provider exited (${code}): ${log}`));
    });
  });
  return {
    issuer,
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(keyDir, { recursive: true, force: true });
    },
  };
}
