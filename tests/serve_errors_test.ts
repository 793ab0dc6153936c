/** pi serve's error objects and key (src/serve/errors.ts, src/serve/serve_key.ts). */
import assert from "node:assert/strict";
import {
  ApiFailure,
  contextOverflowFailure,
  httpFailure,
  UsageLimitError,
} from "../src/ai/retry.ts";
import { PiError } from "../src/errors.ts";
import {
  errorBody,
  errorResponse,
  modelNotFound,
  retryAfterSeconds,
  unauthorized,
  upstreamError,
} from "../src/serve/errors.ts";
import {
  checkBearer,
  generateServeKey,
  resolveServeKey,
  SERVE_KEY_FILE,
} from "../src/serve/serve_key.ts";
import { sessionIdFor } from "../src/serve/server.ts";

const NOW = 1_800_000_000_000;

/** The error of a 429 with this error object, as the client makes it. */
function usageLimit(error: Record<string, unknown>): UsageLimitError {
  const failure = httpFailure("openai-codex", 429, JSON.stringify({ error }), new Headers(), NOW);
  assert.ok(failure instanceof UsageLimitError);
  return failure;
}

Deno.test("upstream errors: usage limit → 429 with retry-after to the reset", async () => {
  const limit = usageLimit({ type: "usage_limit_reached", resets_in_seconds: 90 });
  assert.equal(limit.resetsAt, NOW + 90_000);
  assert.equal(limit.kind, "usage_limit_reached");
  const err = upstreamError(limit, NOW + 500);
  assert.equal(err.status, 429);
  assert.equal(err.code, "usage_limit_reached");
  assert.equal(err.headers["retry-after"], "90");
  const response = errorResponse(err);
  assert.equal(response.status, 429);
  assert.equal(response.headers.get("retry-after"), "90");
  assert.equal(response.headers.get("x-should-retry"), "false");
  const body = await response.json();
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "type"]);
  assert.match(body.error.message, /usage limit/);
  // resets_at (epoch seconds) works the same; a limit without a reset has no retry-after.
  const at = usageLimit({ type: "usage_limit_reached", resets_at: NOW / 1000 + 3600 });
  assert.equal(upstreamError(at, NOW).headers["retry-after"], "3600");
  const plan = usageLimit({ type: "usage_not_included" });
  const planErr = upstreamError(plan, NOW);
  assert.equal(planErr.status, 429);
  assert.equal(planErr.code, "usage_not_included");
  assert.equal(planErr.headers["retry-after"], undefined);
  assert.equal(retryAfterSeconds(NOW + 1, NOW), 1);
  assert.equal(retryAfterSeconds(NOW - 5000, NOW), 1);
});

Deno.test("upstream errors: overflow and refused requests → 400, the rest → 502, one line, no token", () => {
  const overflow = upstreamError(contextOverflowFailure("openai-codex", "too long"), NOW);
  assert.equal(overflow.status, 400);
  assert.equal(overflow.code, "context_length_exceeded");
  const rejected = upstreamError(
    httpFailure(
      "openai-codex",
      400,
      '{"error":{"message":"Unsupported parameter: x"}}',
      new Headers(),
      NOW,
    ),
    NOW,
  );
  assert.equal(rejected.status, 400);
  assert.match(rejected.message, /Unsupported parameter: x/);
  const down = upstreamError(
    httpFailure("openai-codex", 503, "down\nnow", new Headers(), NOW),
    NOW,
  );
  assert.equal(down.status, 502);
  assert.equal(down.type, "server_error");
  assert.ok(!down.message.includes("\n"));
  const refused = upstreamError(
    httpFailure(
      "openai-codex",
      401,
      "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln bad",
      new Headers(),
      NOW,
    ),
    NOW,
  );
  assert.equal(refused.status, 502);
  assert.equal(refused.code, "upstream_auth");
  assert.ok(!refused.message.includes("eyJ"), refused.message);
  const notLoggedIn = upstreamError(
    new PiError("auth.refresh_failed", "Failed to refresh OAuth token", { hint: "run pi login" }),
    NOW,
  );
  assert.equal(notLoggedIn.status, 502);
  assert.equal(notLoggedIn.code, "upstream_auth");
  assert.match(notLoggedIn.message, /run pi login/);
  const network = upstreamError(
    new ApiFailure("api.network", "Could not reach openai-codex", { broken: true }),
    NOW,
  );
  assert.equal(network.status, 502);
});

Deno.test("client errors: 401 and 404 in the OpenAI shape", () => {
  assert.deepEqual(errorBody(modelNotFound("gpt-x\u001b[2J")), {
    error: {
      message: 'The model "gpt-x" does not exist (see GET /v1/models)',
      type: "invalid_request_error",
      code: "model_not_found",
    },
  });
  assert.equal(modelNotFound("m").status, 404);
  assert.equal(unauthorized(true).status, 401);
  assert.equal(unauthorized(false).code, "invalid_api_key");
});

Deno.test("serve key: --key, then PI_SERVE_KEY, then a key file made once (0600) and read after", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const deps = (env: Record<string, string> = {}) => ({
      env: (name: string) => env[name],
      agentDir: `${dir}/agent`,
      randomBytes: (n: number) => new Uint8Array(n).fill(7),
    });
    assert.deepEqual(resolveServeKey("my-key-123", deps({ PI_SERVE_KEY: "env-key-123" })), {
      key: "my-key-123",
      source: "option",
    });
    assert.deepEqual(resolveServeKey(undefined, deps({ PI_SERVE_KEY: "env-key-123" })), {
      key: "env-key-123",
      source: "env",
    });
    assert.throws(() => resolveServeKey("short", deps()), /--key must be 8 to 512/);
    const path = `${dir}/agent/${SERVE_KEY_FILE}`;
    const made = resolveServeKey(undefined, deps());
    assert.deepEqual(made, {
      key: generateServeKey(deps().randomBytes),
      source: "generated",
      path,
    });
    assert.match(made.key, /^sk-pi-[A-Za-z0-9_-]{43}$/);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${dir}/agent`)).mode! & 0o777, 0o700);
    assert.equal(await Deno.readTextFile(path), `${made.key}\n`);
    // Read, not made again (other random bytes would give another key).
    const again = resolveServeKey(undefined, {
      ...deps(),
      randomBytes: (n) => new Uint8Array(n).fill(9),
    });
    assert.deepEqual(again, { key: made.key, source: "file", path });
    assert.deepEqual((await Array.fromAsync(Deno.readDir(`${dir}/agent`))).map((e) => e.name), [
      SERVE_KEY_FILE,
    ]);
    await Deno.chmod(path, 0o644);
    resolveServeKey(undefined, deps());
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    await Deno.writeTextFile(path, "\n");
    assert.throws(() => resolveServeKey(undefined, deps()), /does not hold a usable key/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkBearer: the scheme in any case, the key exactly", () => {
  assert.equal(checkBearer("Bearer k-123456", "k-123456"), "ok");
  assert.equal(checkBearer("bearer  k-123456 ", "k-123456"), "ok");
  assert.equal(checkBearer("Bearer k-1234567", "k-123456"), "wrong");
  assert.equal(checkBearer("Bearer K-123456", "k-123456"), "wrong");
  assert.equal(checkBearer("Basic k-123456", "k-123456"), "missing");
  assert.equal(checkBearer("", "k-123456"), "missing");
});

Deno.test("sessionIdFor: the client's prompt_cache_key, else stable for one conversation", async () => {
  const base = {
    model: "m",
    stream: false,
    instructions: "i",
    fields: { input: [{ type: "message", role: "user", content: "first" }] },
  };
  assert.equal(await sessionIdFor({ ...base, promptCacheKey: "mine" }), "mine");
  const a = await sessionIdFor(base);
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const later = await sessionIdFor({
    ...base,
    fields: { input: [...base.fields.input, { type: "message", role: "user", content: "more" }] },
  });
  assert.equal(later, a);
  assert.notEqual(await sessionIdFor({ ...base, instructions: "other" }), a);
});
