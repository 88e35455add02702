// The error a promise rejects with, for tests that inspect it (node:assert's `rejects`
// checks but does not hand it back).
import assert from 'node:assert/strict';

/** The rejection of `promise` (fails the test if it resolves). */
export async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}
