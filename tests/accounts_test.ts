import assert from "node:assert/strict";
import {
  accountEntry,
  accountOfEntry,
  checkAccountName,
  isAccountName,
  isBelowLimits,
  providerOfEntry,
  rotationOrder,
  sortAccountNames,
  unknownAccountError,
} from "../src/auth/accounts.ts";
import { exitCodeFor, isPiError } from "../src/errors.ts";

Deno.test("account names: [a-z0-9][a-z0-9._-]{0,31}", () => {
  for (const ok of ["a", "work", "w0rk.2_x-y", "0", "a".repeat(32)]) {
    assert.equal(isAccountName(ok), true, ok);
  }
  for (const bad of ["", "Work", "-a", ".a", "a b", "a/b", "a:b", "a".repeat(33), "é"]) {
    assert.equal(isAccountName(bad), false, bad);
  }
  assert.throws(
    () => checkAccountName("Work!"),
    (e) => isPiError(e, "usage") && exitCodeFor(e) === 2 && /Invalid account name/.test(e.message),
  );
});

Deno.test("entries: default is the plain openai-codex entry; openai-codex:default is no account", () => {
  assert.equal(accountEntry("default"), "openai-codex");
  assert.equal(accountEntry("work"), "openai-codex:work");
  assert.equal(accountOfEntry("openai-codex"), "default");
  assert.equal(accountOfEntry("openai-codex:work"), "work");
  assert.equal(accountOfEntry("openai-codex:default"), undefined);
  assert.equal(accountOfEntry("openai-codex:Bad"), undefined);
  assert.equal(accountOfEntry("anthropic"), undefined);
  assert.equal(providerOfEntry("openai-codex:work"), "openai-codex");
  assert.equal(providerOfEntry("anthropic"), "anthropic");
  assert.deepEqual(sortAccountNames(["work", "default", "alpha", "work"]), [
    "default",
    "alpha",
    "work",
  ]);
});

Deno.test("unknownAccountError: a usage error (exit 2) that lists the known accounts", () => {
  const e = unknownAccountError("nope", ["default", "work"]);
  assert.equal(e.message, "Unknown account: nope (known: default, work)");
  assert.equal(exitCodeFor(e), 2);
  assert.match(unknownAccountError("x", []).message, /known: none/);
});

Deno.test("isBelowLimits: a window at 100 % that has not reset yet is a limit; missing data is not", () => {
  const now = 1_000_000;
  const snap = (primary: number, resetsAt?: number, secondary?: number) => ({
    provider: "openai-codex",
    capturedAt: 0,
    primary: { usedPercent: primary, ...(resetsAt === undefined ? {} : { resetsAt }) },
    ...(secondary === undefined ? {} : { secondary: { usedPercent: secondary } }),
  });
  assert.equal(isBelowLimits(undefined, now), true);
  assert.equal(isBelowLimits(snap(99.9), now), true);
  assert.equal(isBelowLimits(snap(100), now), false, "no reset time: still at the limit");
  assert.equal(isBelowLimits(snap(100, now + 1), now), false);
  assert.equal(isBelowLimits(snap(100, now), now), true, "reset since");
  assert.equal(isBelowLimits(snap(10, undefined, 100), now), false, "the long window counts");
});

Deno.test("rotationOrder: after the failing account, cyclically, without tried ones and the same ChatGPT account", () => {
  const accounts = [
    { name: "default", accountId: "a" },
    { name: "b", accountId: "b" },
    { name: "c", accountId: "a" }, // the same ChatGPT account as default: shares its limits
    { name: "d" },
  ];
  const names = (from: string, exclude?: Set<string>) =>
    rotationOrder(accounts, from, exclude).map((a) => a.name);
  assert.deepEqual(names("default"), ["b", "d"]);
  assert.deepEqual(names("b"), ["c", "d", "default"]);
  assert.deepEqual(names("d", new Set(["default", "b"])), ["c"]);
  assert.deepEqual(names("gone"), ["default", "b", "c", "d"]);
});
