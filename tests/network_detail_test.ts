import assert from "node:assert/strict";
import { networkFailure } from "../src/ai/retry.ts";
import { freePort } from "./fixtures/fake_oauth_issuer.ts";

Deno.test("a refused connection says so and names the host (Deno's fetch says only 'fetch failed')", async () => {
  const port = freePort(); // a port that was just free: nothing listens there
  let caught: unknown;
  try {
    await fetch(`http://127.0.0.1:${port}/codex/responses`, { method: "POST" });
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, "fetch to a closed port must fail");
  const failure = networkFailure("openai-codex", caught);
  assert.equal(
    failure.message,
    `Could not reach openai-codex: connection refused by 127.0.0.1:${port}`,
  );
  assert.match(failure.hint ?? "", /check the network/);
});

Deno.test("a host that does not resolve says so", () => {
  const err = new TypeError("fetch failed", {
    cause: new Error(
      "error sending request for url (https://chatgpt.invalid/backend-api/codex/responses): client error (Connect): dns error: failed to lookup address information: Name or service not known",
    ),
  });
  assert.equal(
    networkFailure("openai-codex", err).message,
    "Could not reach openai-codex: could not resolve the host for chatgpt.invalid",
  );
});
