/**
 * The account rotation in stream(): a `usage_limit_reached` before anything was shown asks
 * the KeySource for the next account and sends the same request with its key, yielding an
 * `account_switch` event; otherwise the error's hint names the other accounts.
 */

import assert from "node:assert/strict";
import { stream, type StreamOptions } from "../src/ai/stream.ts";
import type { Context, StreamEvent } from "../src/ai/types.ts";
import type { KeySource } from "../src/auth/types.ts";
import { isPiError, type PiError } from "../src/errors.ts";
import {
  codexModel,
  codexToken,
  collect,
  deps,
  type Fake,
  rejectInvalid,
  scripted,
  sse,
  sseResponse,
  startFake,
  validateCodex,
} from "./ai_fakes.ts";

const model = codexModel();
const HI: Context = { systemPrompt: "x", messages: [{ role: "user", content: "hi" }] };
const TOKENS: Record<string, string> = { default: codexToken("a"), work: codexToken("b") };
const REPLY = [
  sse("response.created", { response: { id: "resp_1" } }),
  sse("response.output_item.added", { output_index: 0, item: { type: "message", id: "m" } }),
  sse("response.output_text.delta", { output_index: 0, delta: "ok" }),
  sse("response.completed", {
    response: { id: "resp_1", status: "completed", usage: { input_tokens: 1, output_tokens: 1 } },
  }),
].join("");

function limit(type = "usage_limit_reached"): Response {
  return Response.json({ error: { type, plan_type: "plus", resets_in_seconds: 60 } }, {
    status: 429,
  });
}

/** Two accounts; `nextAccount` moves to the other one unless it was tried. */
function accountKeys(rotation: boolean) {
  let active = "default";
  const asked: { reason: string; exclude: string[] }[] = [];
  const nameOf = (key?: string) => Object.keys(TOKENS).find((n) => TOKENS[n] === key);
  const keys: KeySource = {
    accountRotation: rotation,
    getApiKey: () => Promise.resolve(TOKENS[active]),
    refresh: () => Promise.resolve(TOKENS[active]),
    accountOf: (_p, key) => {
      const name = nameOf(key);
      return name === undefined ? undefined : { name, entry: name };
    },
    otherAccounts: (_p, key) => Object.keys(TOKENS).filter((n) => n !== (nameOf(key) ?? active)),
    nextAccount(_p, options) {
      asked.push({ reason: options.reason, exclude: [...(options.exclude ?? [])] });
      const from = nameOf(options.key) ?? active;
      const to = Object.keys(TOKENS).find((n) => n !== from && !options.exclude?.has(n));
      if (!rotation || to === undefined) return Promise.resolve(undefined);
      active = to;
      return Promise.resolve({ key: TOKENS[to], from, to });
    },
  };
  return { keys, asked };
}

function options(fake: Fake, keys: KeySource): StreamOptions {
  return {
    keys,
    deps: deps({ PI_OPENAI_CODEX_BASE_URL: `${fake.url}/backend-api` }),
    retry: { sleep: () => Promise.resolve() },
  };
}

function codexFake(reply: (auth: string, n: number) => Response): Fake {
  return startFake((_req, seen, n) =>
    rejectInvalid(validateCodex(seen, model)) ??
      reply(seen.headers.get("authorization") ?? "", n)
  );
}

Deno.test("stream: usage_limit_reached with rotation → account_switch, the same request with the next account's key", async () => {
  const fake = codexFake((auth) =>
    auth === `Bearer ${TOKENS.default}` ? limit() : sseResponse(REPLY)
  );
  try {
    const { keys, asked } = accountKeys(true);
    const events = await collect(stream(model, HI, options(fake, keys)));
    const types = events.map((e) => e.type);
    assert.deepEqual(events.filter((e) => e.type === "account_switch"), [
      { type: "account_switch", from: "default", to: "work", reason: "usage_limit_reached" },
    ]);
    assert.ok(types.indexOf("account_switch") < types.indexOf("text_delta"));
    assert.equal(types.at(-1), "done");
    assert.deepEqual(asked, [{ reason: "usage_limit_reached", exclude: ["default"] }]);
    assert.deepEqual(
      fake.requests.map((r) => r.headers.get("authorization")),
      [`Bearer ${TOKENS.default}`, `Bearer ${TOKENS.work}`],
    );
    assert.deepEqual(fake.requests[1].body, fake.requests[0].body);
  } finally {
    await fake.close();
  }
});

function failure(events: StreamEvent[]): PiError {
  const last = events.at(-1);
  assert.equal(last?.type, "error");
  return (last as Extract<StreamEvent, { type: "error" }>).error;
}

Deno.test("stream: every account at its limit → one try each, then the error says so", async () => {
  const fake = codexFake(() => limit());
  try {
    const { keys } = accountKeys(true);
    const error = failure(await collect(stream(model, HI, options(fake, keys))));
    assert.ok(isPiError(error, "api.usage_limit"));
    assert.match(error.hint ?? "", /the other accounts \(default\) are at their limits too/);
    assert.equal(fake.requests.length, 2);
  } finally {
    await fake.close();
  }
});

Deno.test("stream: no rotation for usage_not_included, nor after text was shown, nor without --rotate-accounts: the hint names the other accounts", async () => {
  const cases: [string, (auth: string, n: number) => Response, boolean][] = [
    ["usage_not_included", () => limit("usage_not_included"), true],
    [
      "limit after text",
      () =>
        // The text arrives (and is shown) before the failure, in a read of its own.
        sseResponse(scripted([
          sse("response.created", { response: { id: "r" } }) +
          sse("response.output_item.added", { output_index: 0, item: { type: "message" } }) +
          sse("response.output_text.delta", { output_index: 0, delta: "partial" }),
          sse("response.failed", {
            response: { error: { type: "usage_limit_reached", resets_in_seconds: 5 } },
          }),
        ], "close")),
      true,
    ],
    ["rotation off", () => limit(), false],
  ];
  for (const [what, reply, rotation] of cases) {
    const fake = codexFake(reply);
    try {
      const { keys, asked } = accountKeys(rotation);
      const events = await collect(stream(model, HI, options(fake, keys)));
      const error = failure(events);
      assert.ok(isPiError(error, "api.usage_limit"), what);
      assert.match(
        error.hint ?? "",
        /or use another logged-in account: work \(--account <name>/,
        `${what}: ${error.hint}`,
      );
      assert.equal(events.some((e) => e.type === "account_switch"), false, what);
      assert.equal(fake.requests.length, 1, what);
      assert.deepEqual(asked, [], what);
    } finally {
      await fake.close();
    }
  }
});

Deno.test("stream: a KeySource without accounts (a library's) gets the usage-limit error as it was", async () => {
  const fake = codexFake(() => limit());
  try {
    const keys: KeySource = {
      getApiKey: () => Promise.resolve(TOKENS.default),
      refresh: () => Promise.resolve(undefined),
    };
    const error = failure(await collect(stream(model, HI, options(fake, keys))));
    assert.equal(error.hint, "wait for the reset, or switch model/provider (/model)");
  } finally {
    await fake.close();
  }
});

Deno.test("stream: a 401 after the active account changed retries on the refused key's account (refreshed), not the active one", async () => {
  const renewed = codexToken("a-renewed");
  const fake = codexFake((auth) =>
    auth === `Bearer ${renewed}`
      ? sseResponse(REPLY)
      : Response.json({ error: { message: "token expired" } }, { status: 401 })
  );
  try {
    let active = "default";
    const refreshed: (string | undefined)[] = [];
    const keys: KeySource = {
      getApiKey: () => {
        const key = TOKENS[active];
        active = "work"; // /account work (or a rotation) while the request is in flight
        return Promise.resolve(key);
      },
      refresh: (_p, options) => {
        refreshed.push(options?.key);
        return Promise.resolve(options?.key === TOKENS.default ? renewed : TOKENS[active]);
      },
    };
    const events = await collect(stream(model, HI, options(fake, keys)));
    assert.equal(events.at(-1)?.type, "done");
    assert.deepEqual(refreshed, [TOKENS.default]);
    assert.deepEqual(
      fake.requests.map((r) => r.headers.get("authorization")),
      [`Bearer ${TOKENS.default}`, `Bearer ${renewed}`],
    );
  } finally {
    await fake.close();
  }
});
