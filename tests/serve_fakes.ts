/** What the tests of pi serve's mappings share (serve_chat_completions_test, serve_responses_test). */
import assert from "node:assert/strict";
import { makeUsage } from "../src/ai/usage.ts";
import { HttpError } from "../src/serve/errors.ts";
import { codexModel } from "./ai_fakes.ts";

/** The usage of the answers in these tests: 100 in (20 cached), 10 out (2 reasoning). */
export const usage = makeUsage(
  { input: 80, cacheRead: 20, cacheWrite: 0, output: 10, reasoning: 2 },
  codexModel(),
);

/** The 400 a call throws, with the field its message names. */
export function badField(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HttpError, String(err));
    assert.equal(err.status, 400);
    assert.equal(err.type, "invalid_request_error");
    return err.message;
  }
  throw new Error("no error thrown");
}
