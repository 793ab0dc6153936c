import assert from "node:assert/strict";
import {
  bindCallbackServer,
  handleCallbackRequest,
  startCallbackServer,
} from "../src/auth/callback_server.ts";
import { isPiError } from "../src/errors.ts";
import { freePort } from "./fixtures/fake_oauth_issuer.ts";

const at = (path: string) => new URL(`http://localhost:1455${path}`);
const req = (method: string, url: URL) => ({ method, url });

Deno.test("handleCallbackRequest: state, error, code, cancel, 404", () => {
  assert.deepEqual(
    handleCallbackRequest(req("GET", at("/auth/callback?code=c&state=s")), "s").outcome,
    {
      type: "code",
      code: "c",
    },
  );
  const wrong = handleCallbackRequest(req("GET", at("/auth/callback?code=c&state=x")), "s");
  assert.equal(wrong.status, 400);
  assert.equal(wrong.outcome, undefined);
  const missing = handleCallbackRequest(req("GET", at("/auth/callback?code=c")), "s");
  assert.equal(missing.status, 400);
  assert.equal(missing.outcome, undefined);
  const noCode = handleCallbackRequest(req("GET", at("/auth/callback?state=s")), "s");
  assert.equal(noCode.status, 400);
  assert.equal(noCode.outcome, undefined);
  const refused = handleCallbackRequest(
    req("GET", at("/auth/callback?error=access_denied&error_description=no&state=s")),
    "s",
  );
  assert.deepEqual(refused.outcome, { type: "error", error: "access_denied", description: "no" });
  // An error with a wrong state is ignored like any forged request.
  assert.equal(
    handleCallbackRequest(req("GET", at("/auth/callback?error=x&state=bad")), "s").outcome,
    undefined,
  );
  assert.deepEqual(handleCallbackRequest(req("GET", at("/cancel")), "s").outcome, {
    type: "cancel",
  });
  assert.equal(handleCallbackRequest(req("GET", at("/")), "s").status, 404);
  assert.equal(
    handleCallbackRequest(req("GET", at("/auth/callbackx?state=s&code=c")), "s").status,
    404,
  );
  assert.equal(
    handleCallbackRequest(req("POST", at("/auth/callback?state=s&code=c")), "s").status,
    405,
  );
});

/**
 * Binds `port` and lets it go: the proof that a closed server released it. Tried for up to
 * 2 s: the listener of a shut-down server is closed by Deno a moment after shutdown()
 * resolves (seen once in a loaded CI run); a server that keeps its port fails every try.
 */
async function assertBindable(port: number): Promise<void> {
  for (let tries = 0;; tries++) {
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return;
    } catch (err) {
      if (!(err instanceof Deno.errors.AddrInUse) || tries >= 40) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

Deno.test("callback server: 404, 400 keeps waiting, success page, then the port is free", async () => {
  const server = startCallbackServer({ port: freePort(), state: "st" });
  try {
    assert.equal(server.redirectUri, `http://localhost:${server.port}/auth/callback`);
    const base = `http://127.0.0.1:${server.port}`;
    const notFound = await fetch(`${base}/favicon.ico`);
    assert.equal(notFound.status, 404);
    await notFound.body?.cancel();
    const bad = await fetch(`${base}/auth/callback?code=evil&state=forged`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /State mismatch/);
    const good = await fetch(`${base}/auth/callback?code=real&state=st`);
    assert.equal(good.status, 200);
    assert.match(await good.text(), /close this tab/);
    assert.equal(await server.code, "real");
    await server.close();
    // The port is released: binding it again works.
    await assertBindable(server.port);
  } finally {
    await server.close();
  }
});

Deno.test("callback server: binds 127.0.0.1 only", async () => {
  const server = startCallbackServer({ port: 0, state: "st" });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    conn.close();
    // Another local address of this machine (127.0.0.2 is loopback on Linux) is refused.
    if (Deno.build.os === "linux") {
      await assert.rejects(() => Deno.connect({ hostname: "127.0.0.2", port: server.port }));
    }
  } finally {
    await server.close();
  }
});

Deno.test("callback server: GET /cancel ends the wait with 'Login cancelled' and frees the port", async () => {
  const server = startCallbackServer({ port: freePort(), state: "st" });
  try {
    const r = await fetch(`http://127.0.0.1:${server.port}/cancel`);
    assert.equal(r.status, 200);
    await r.body?.cancel();
    await assert.rejects(
      server.code,
      (err) => isPiError(err, "auth.login_cancelled") && err.message === "Login cancelled",
    );
    await server.close();
    await assertBindable(server.port);
  } finally {
    await server.close();
  }
});

Deno.test("callback server: issuer error with the right state fails clearly", async () => {
  const server = startCallbackServer({ port: 0, state: "st" });
  try {
    const r = await fetch(
      `http://127.0.0.1:${server.port}/auth/callback?error=access_denied&state=st`,
    );
    await r.body?.cancel();
    await assert.rejects(
      server.code,
      (e) => isPiError(e, "auth.login_failed") && /access_denied/.test(e.message),
    );
  } finally {
    await server.close();
  }
});

Deno.test("bindCallbackServer: a pinned busy port is reported, with no /cancel and no fallback", async () => {
  let hits = 0;
  const holder = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    hits++;
    return new Response("held");
  });
  try {
    const bound = await bindCallbackServer({
      state: "s",
      pinnedPort: holder.addr.port,
    });
    assert.deepEqual(bound, { busyPort: holder.addr.port });
    assert.equal(hits, 0);
  } finally {
    await holder.shutdown();
  }
});

Deno.test("bindCallbackServer: a waiting login on the first port is cancelled and replaced", async () => {
  const first = freePort();
  const second = freePort();
  const old = startCallbackServer({ port: first, state: "old" });
  const oldResult = old.code.then(() => "code", (e) => e);
  const bound = await bindCallbackServer({ state: "new", ports: [first, second] });
  try {
    assert.ok("server" in bound);
    assert.equal(bound.server.port, first);
    const err = await oldResult;
    assert.ok(isPiError(err, "auth.login_cancelled"));
  } finally {
    if ("server" in bound) await bound.server.close();
    await old.close();
  }
});

Deno.test("bindCallbackServer: a first port held by a non-pi listener → the fallback port", async () => {
  const first = Deno.listen({ hostname: "127.0.0.1", port: 0 }); // never answers /cancel
  const second = freePort();
  const progress: string[] = [];
  try {
    const bound = await bindCallbackServer({
      state: "s",
      ports: [(first.addr as Deno.NetAddr).port, second],
      retryMs: 300,
      onProgress: (m) => progress.push(m),
    });
    assert.ok("server" in bound);
    assert.equal(bound.server.port, second);
    await bound.server.close();
    assert.match(progress.join("\n"), /busy/);
  } finally {
    first.close();
  }
});

Deno.test("bindCallbackServer: every port busy → busyPort is the first", async () => {
  const a = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const b = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const pa = (a.addr as Deno.NetAddr).port;
    const bound = await bindCallbackServer({
      state: "s",
      ports: [pa, (b.addr as Deno.NetAddr).port],
      retryMs: 200,
    });
    assert.deepEqual(bound, { busyPort: pa });
  } finally {
    a.close();
    b.close();
  }
});
