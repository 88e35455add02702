// Working GraphiQL the way a person does: its editors, its run button, its result pane.

/**
 * Sets the text of one of GraphiQL's CodeMirror editors (`selector`: its `.graphiql-editor`)
 * through CodeMirror's own API, so GraphiQL sees the change as it would a user's typing
 * (typed keys would be mangled by the editor's bracket completion).
 */
export async function setEditor(page, selector, text) {
  await page.locator(`${selector} .CodeMirror`).waitFor();
  await page.evaluate(
    ([sel, value]) => document.querySelector(`${sel} .CodeMirror`).CodeMirror.setValue(value),
    [selector, text],
  );
}

/** Opens the Headers tab of the editor tools and fills it in. */
export async function setHeaders(page, headers) {
  await page.getByRole('button', { name: 'Headers', exact: true }).click();
  await setEditor(page, HEADERS_EDITOR, JSON.stringify(headers));
}

/** What the Headers pane holds. */
export async function headersText(page) {
  await page.getByRole('button', { name: 'Headers', exact: true }).click();
  await page.locator(`${HEADERS_EDITOR} .CodeMirror`).waitFor();
  return page.evaluate(
    (sel) => document.querySelector(`${sel} .CodeMirror`).CodeMirror.getValue(),
    HEADERS_EDITOR,
  );
}

const HEADERS_EDITOR =
  'section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden)';

/**
 * Runs `operation` (`{ name, query }`) in the active tab, the result pane emptied first so that
 * an earlier answer is never taken for this one. GraphiQL reads the operation name from the
 * editor a moment after a change (its tab title shows it): run before that and it sends the
 * old name.
 */
export async function run(page, operation) {
  await setEditor(page, '.graphiql-query-editor', operation.query);
  await page.locator('.graphiql-tab-active', { hasText: operation.name }).waitFor();
  await setEditor(page, '.graphiql-response', '');
  await page.locator('.graphiql-execute-button').click();
}

export function resultText(page) {
  return page.evaluate(() => {
    const editor = document.querySelector('.graphiql-response .CodeMirror');
    return editor ? editor.CodeMirror.getValue() : '';
  });
}

/** The result pane's JSON once its text satisfies `predicate`. */
export async function waitForResult(page, predicate) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const text = await resultText(page);
    if (text && predicate(text)) return JSON.parse(text);
    if (Date.now() > deadline) throw new Error(`no matching result; the pane shows: ${text}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

/** Runs `operation` and returns the result that names `field`. */
export async function runAndRead(page, operation, field) {
  await run(page, operation);
  return waitForResult(page, (text) => text.includes(field));
}
