// fetch with the SDK's error rules: an aborted request rejects with the signal's reason (as
// fetch does), anything else that keeps an answer from arriving is a NETWORK_ERROR.
import { OrgraphError } from './errors.js';

export async function send(fetchImpl, url, init) {
  try {
    return await fetchImpl(url, init);
  } catch (cause) {
    if (init?.signal?.aborted) throw init.signal.reason ?? cause;
    throw new OrgraphError(`could not reach ${String(url)}: ${cause?.message ?? cause}`, {
      code: 'NETWORK_ERROR',
      cause,
    });
  }
}

/** The body as JSON, or undefined when it is not JSON. */
export async function readJson(response) {
  const text = await response.text();
  try {
    return { text, json: JSON.parse(text) };
  } catch {
    return { text, json: undefined };
  }
}

export function defaultFetch() {
  if (typeof globalThis.fetch !== 'function') {
    throw new OrgraphError('no global fetch: pass one as the `fetch` option', { code: 'INVALID_ARGUMENT' });
  }
  return globalThis.fetch.bind(globalThis);
}
