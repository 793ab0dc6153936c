import assert from "node:assert/strict";
import {
  codexAuthPath,
  credentialFromCodexAuth,
  importCodexAuth,
} from "../src/auth/codex_import.ts";
import { isPiError } from "../src/errors.ts";
import { makeAccessToken } from "./fixtures/fake_oauth_issuer.ts";

Deno.test("codexAuthPath: $CODEX_HOME, ~ expansion, default ~/.codex", () => {
  const deps = (v?: string) => ({ env: () => v, homeDir: "/home/u" });
  assert.equal(codexAuthPath(deps()), "/home/u/.codex/auth.json");
  assert.equal(codexAuthPath(deps("/x/codex/")), "/x/codex/auth.json");
  assert.equal(codexAuthPath(deps("~/c")), "/home/u/c/auth.json");
});

Deno.test("credentialFromCodexAuth: tokens → pi credential; account id from file or JWT", () => {
  const exp = Math.floor(Date.now() / 1000) + 600;
  const access = makeAccessToken({ accountId: "acct-jwt", exp });
  const fromFile = credentialFromCodexAuth(
    {
      tokens: { access_token: access, refresh_token: "rt", account_id: "acct-file" },
    },
    { path: "p", now: 1 },
  );
  assert.deepEqual(fromFile, {
    type: "oauth",
    access,
    refresh: "rt",
    expires: exp * 1000,
    accountId: "acct-file",
  });
  const fromJwt = credentialFromCodexAuth(
    { tokens: { access_token: access, refresh_token: "rt" } },
    { path: "p", now: 1 },
  );
  assert.equal(fromJwt.accountId, "acct-jwt");
  const opaque = credentialFromCodexAuth(
    { tokens: { access_token: "opaque", refresh_token: "rt" } },
    { path: "p", now: 42 },
  );
  assert.equal(opaque.expires, 42); // refreshed before first use
  for (const bad of [{}, { tokens: null }, { tokens: { access_token: "a" } }, [], null]) {
    assert.throws(
      () => credentialFromCodexAuth(bad, { path: "/h/.codex/auth.json", now: 1 }),
      (e) => isPiError(e, "auth.invalid_file") && e.message.includes("/h/.codex/auth.json"),
    );
  }
});

Deno.test("importCodexAuth: missing file and bad JSON name the path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const deps = {
      env: (n: string) => n === "CODEX_HOME" ? dir : undefined,
      homeDir: dir,
      now: () => 5,
    };
    await assert.rejects(importCodexAuth(deps), (e) => isPiError(e, "auth.not_logged_in"));
    await Deno.writeTextFile(`${dir}/auth.json`, "{not json");
    await assert.rejects(
      importCodexAuth(deps),
      (e) => isPiError(e, "auth.invalid_file") && e.message.includes(dir),
    );
    await Deno.writeTextFile(
      `${dir}/auth.json`,
      JSON.stringify({ tokens: { access_token: "a", refresh_token: "r", account_id: "x" } }),
    );
    const { credential, path } = await importCodexAuth(deps);
    assert.equal(path, `${dir}/auth.json`);
    assert.equal(credential.accountId, "x");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
