// The one error type of the SDK, and the conversion of what the Rust side throws.

const BRAND = Symbol.for('orgraph.OrgraphError');

/**
 * Every failure the SDK reports. `code` is the GraphQL `extensions.code`, the OAuth
 * `error`, or one of the SDK's own (`NETWORK_ERROR`, `HTTP_ERROR`, `STATE_MISMATCH`, ...).
 */
export class OrgraphError extends Error {
  constructor(message, { code, status, graphQLErrors, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'OrgraphError';
    this.code = code ?? 'INTERNAL';
    this.status = status;
    this.graphQLErrors = graphQLErrors ?? [];
  }

  /** True for an OrgraphError, also one from another copy of the package. */
  static is(error) {
    return error instanceof OrgraphError || (typeof error === 'object' && error !== null && error[BRAND] === true);
  }
}
Object.defineProperty(OrgraphError.prototype, BRAND, { value: true });

/** Runs a call into Rust, turning the `{ code, message }` objects it throws into OrgraphErrors. */
export function fromRust(call) {
  try {
    return call();
  } catch (thrown) {
    throw rustError(thrown);
  }
}

function rustError(thrown) {
  if (!(thrown instanceof Error) && typeof thrown?.code === 'string' && typeof thrown?.message === 'string') {
    return new OrgraphError(thrown.message, { code: thrown.code });
  }
  // wasm-bindgen's own argument checks (a number where a string belongs, ...).
  return new OrgraphError(thrown?.message ?? String(thrown), { code: 'INVALID_ARGUMENT', cause: thrown });
}
