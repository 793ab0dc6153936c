import assert from "node:assert/strict";
import { describeAccount, looksHeadless, resolveLoginProvider } from "../src/cli/commands/login.ts";
import { exitCodeFor, isPiError } from "../src/errors.ts";
import { makeAccessToken } from "./fixtures/fake_oauth_issuer.ts";

Deno.test("describeAccount: email and plan from the access token, else the account id", () => {
  const access = makeAccessToken({ email: "e@x.io", plan: "plus" });
  assert.equal(
    describeAccount({ type: "oauth", access, refresh: "r", expires: 0 }),
    "e@x.io (plan plus)",
  );
  assert.equal(
    describeAccount({ type: "oauth", access: "opaque", refresh: "r", expires: 0, accountId: "a1" }),
    "account a1",
  );
});

Deno.test("looksHeadless: SSH or no display, unless $BROWSER says how to open a URL", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assert.equal(looksHeadless(env({}), "linux"), true);
  assert.equal(looksHeadless(env({ DISPLAY: ":0" }), "linux"), false);
  assert.equal(looksHeadless(env({ WAYLAND_DISPLAY: "wayland-0" }), "linux"), false);
  assert.equal(looksHeadless(env({ DISPLAY: ":0", SSH_CONNECTION: "1 2 3 4" }), "linux"), true);
  assert.equal(looksHeadless(env({ SSH_TTY: "/dev/pts/1", BROWSER: "w3m" }), "linux"), false);
  assert.equal(looksHeadless(env({}), "darwin"), false);
  assert.equal(looksHeadless(env({ WSL_DISTRO_NAME: "Ubuntu" }), "linux"), false);
});

Deno.test("resolveLoginProvider: unknown names are usage errors (exit 2) listing the known ones", () => {
  assert.equal(resolveLoginProvider("openai-codex").name, "ChatGPT Plus/Pro (Codex Subscription)");
  assert.throws(
    () => resolveLoginProvider("nope"),
    (e) =>
      isPiError(e, "auth.unknown_provider") &&
      e.message === "Unknown provider: nope (known: openai-codex, anthropic, openai)" &&
      exitCodeFor(e) === 2,
  );
});
