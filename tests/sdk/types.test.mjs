// The packed package's TypeScript declarations, as a strict project compiles them: the fixture
// types/usage.ts (graphql-codegen's TypedDocumentString, the typed helpers, Connect, errors,
// `using`) must compile with `tsc -p types` (types/tsconfig.json: strict, NodeNext, lib es2022 +
// dom, the types through the package's exports), and each of its `@ts-expect-error` lines must
// be refused for the reason it names. A copy with one mistake corrected must fail, so the check
// can fail. And dist/index.d.ts itself: no `any` where a domain type exists, the generated
// unions filled in and equal to what the WebAssembly module knows.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

const here = dirname(fileURLToPath(import.meta.url));
const TSC = join(here, 'node_modules/.bin/tsc');
const PROJECT = join(here, 'types');
const FIXTURE = join(PROJECT, 'usage.ts');
const PACKAGE = join(here, 'node_modules/@orgraph/sdk');
const DECLARATIONS = join(PACKAGE, 'dist/index.d.ts');

/** `tsc -p project`: its exit code, output and diagnostics ({ file, line, code, text }). */
function tsc(project, extra = []) {
  return new Promise((ok) => {
    const options = { cwd: here, maxBuffer: 64 * 1024 * 1024 };
    execFile(TSC, ['-p', project, '--pretty', 'false', ...extra], options, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      const diagnostics = [];
      for (const line of output.split('\n')) {
        const located = /^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(line);
        const global = /^error (TS\d+): (.*)$/.exec(line);
        if (located) {
          diagnostics.push({
            file: join(here, located[1]),
            line: Number(located[2]),
            code: located[3],
            text: located[4],
          });
        } else if (global) {
          diagnostics.push({ file: null, line: 0, code: global[1], text: global[2] });
        }
      }
      ok({ code: error ? (error.code ?? 1) : 0, output, diagnostics });
    });
  });
}

/** The fixture's `// @ts-expect-error TSnnnn why` lines: { line (1-based, of the directive), code, why }. */
function expectations(source) {
  return source.split('\n').flatMap((text, index) => {
    const match = /^\s*\/\/ @ts-expect-error (TS\d+) (.*)$/.exec(text);
    return match ? [{ line: index + 1, code: match[1], why: match[2] }] : [];
  });
}

/**
 * Type-checks `source` as usage.ts in a throwaway folder inside types/ (so '@orgraph/sdk'
 * resolves from tests/sdk/node_modules exactly as for the fixture), with the same options.
 */
async function tscCopy(source) {
  const dir = await mkdtemp(join(PROJECT, '.copy-'));
  try {
    await writeFile(join(dir, 'usage.ts'), source);
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', files: ['usage.ts'] }));
    const result = await tsc(dir);
    const copy = join(dir, 'usage.ts');
    return { ...result, inCopy: result.diagnostics.filter((d) => d.file === copy) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const show = (diagnostics) =>
  diagnostics.map((d) => `${d.file ? relative(here, d.file) : '(global)'}:${d.line} ${d.code} ${d.text}`).join('\n');

describe('the fixture compiles as a strict TypeScript project uses the package', async () => {
  const source = await readFile(FIXTURE, 'utf8');
  const expected = expectations(source);
  // The three compilations run side by side; each test awaits the one it reads.
  const run = tsc(PROJECT, ['--traceResolution']);
  const bare = tscCopy(
    source
      .split('\n')
      .map((text) => text.replace(/^(\s*)\/\/ @ts-expect-error /, '$1// (expected) '))
      .join('\n'),
  );
  const wrong = '{ id: 42 }';
  const corrected = source.replace(wrong, "{ id: '42' }");
  const correctedLine = corrected.split('\n').findIndex((text) => text.includes("{ id: '42' }"));
  const correctedRun = tscCopy(corrected);

  test('the fixture marks what it expects refused', () => {
    assert.ok(expected.length >= 10, `only ${expected.length} @ts-expect-error lines`);
    for (const kind of ['variable', 'field', 'permission', 'code']) {
      assert.ok(
        expected.some((e) => e.why.includes(kind)),
        `no @ts-expect-error about a wrong ${kind}`,
      );
    }
  });

  test("'@orgraph/sdk' resolves through the package's exports to the packed dist/index.d.ts", async () => {
    const { output } = await run;
    const start = output.indexOf(`======== Resolving module '@orgraph/sdk' from '${FIXTURE}'.`);
    assert.ok(start >= 0, 'tsc did not resolve @orgraph/sdk from the fixture');
    const trace = output.slice(start, output.indexOf('\n========', start + 10));
    assert.match(trace, /Matched 'exports' condition 'types'\./);
    assert.ok(
      output.includes(`Module name '@orgraph/sdk' was successfully resolved to '${DECLARATIONS}'`),
      trace,
    );
  });

  test('tsc -p types exits 0', async () => {
    const { code, diagnostics } = await run;
    assert.equal(code, 0, `tsc -p tests/sdk/types failed:\n${show(diagnostics)}`);
  });

  test("the package's declarations need no lib beyond es2022 + dom (they name Disposable)", async () => {
    const { diagnostics } = await run;
    const ofThePackage = diagnostics.filter((d) => d.file === null || d.file.startsWith(PACKAGE));
    assert.deepEqual(ofThePackage, [], `errors in the package's own declarations:\n${show(ofThePackage)}`);
  });

  test('every @ts-expect-error is needed: each mistake is refused', async () => {
    const { diagnostics } = await run;
    const unused = diagnostics
      .filter((d) => d.file === FIXTURE && d.code === 'TS2578')
      .map((d) => {
        const mark = expected.find((e) => e.line === d.line);
        return `line ${d.line + 1} was accepted: ${mark?.why ?? '?'}`;
      });
    assert.deepEqual(unused, [], 'mistakes the types let through');
  });

  test('without the directives, each marked line gets the error it names, and only there', async () => {
    const { inCopy } = await bare;
    const got = inCopy.map((d) => `${d.line} ${d.code}`).sort();
    const want = expected.map((e) => `${e.line + 1} ${e.code}`).sort();
    assert.deepEqual(
      got,
      want,
      `errors in the fixture without its directives (line code):\n${show(inCopy)}\nexpected:\n${expected
        .map((e) => `${e.line + 1} ${e.code} ${e.why}`)
        .join('\n')}`,
    );
  });

  test('the check can fail: a copy with one mistake corrected is refused (unused directive)', async () => {
    assert.equal(source.split(wrong).length, 2, `the fixture has no single ${wrong}`);
    const { code, inCopy } = await correctedRun;
    assert.notEqual(code, 0, 'tsc accepted a copy with an unused @ts-expect-error');
    // findIndex is 0-based: the line above the corrected one, 1-based, is the directive's.
    assert.ok(
      inCopy.some((d) => d.code === 'TS2578' && d.line === correctedLine),
      `no TS2578 at the directive (line ${correctedLine}):\n${show(inCopy)}`,
    );
  });
});

describe("the package's dist/index.d.ts", async () => {
  const declarations = await readFile(DECLARATIONS, 'utf8');
  // Comments say "any" in prose; only code counts.
  const code = declarations.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

  test('has no `any` in a type position', () => {
    const anys = code
      .split('\n')
      .map((text, index) => ({ text: text.trim(), line: index + 1 }))
      .filter(({ text }) => /(:\s*any\b|<any\b|\bany>|\bany\[\]|[|&,(]\s*any\b|\bany\s*[|&;,)])/.test(text));
    assert.deepEqual(anys, [], 'any in the declarations');
  });

  /** The string literals of `export type Name = 'a' | 'b' ...;`. */
  function union(name) {
    const match = new RegExp(`export type ${name} =([^;]*);`).exec(declarations);
    assert.ok(match, `no type ${name}`);
    assert.doesNotMatch(match[1], /@[A-Z_]+@/, `${name} was not generated`);
    return [...match[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
  }

  test('has the generated unions filled in, Scope equal to the module\'s own scopes()', async () => {
    const scopes = union('Scope');
    assert.ok(scopes.includes('organization:read'), `Scope: ${scopes}`);
    assert.ok(scopes.includes('settings:manage'), `Scope: ${scopes}`);
    assert.ok(union('ErrorCode').includes('NOT_FOUND'));
    assert.ok(union('OAuthErrorCode').includes('access_denied'));
    const sdk = await import('@orgraph/sdk');
    assert.deepEqual([...scopes].sort(), [...(await sdk.scopes())].sort(), 'Scope differs from scopes()');
  });
});
