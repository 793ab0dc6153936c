import assert from "node:assert/strict";
import {
  buildDeviceCodeRequest,
  buildDeviceTokenRequest,
  pollDeviceAuthorization,
  processDeviceCodeResponse,
  processDeviceTokenResponse,
} from "../src/auth/device_login.ts";
import { isPiError } from "../src/errors.ts";

Deno.test("device requests: JSON bodies of the contract", async () => {
  const r = buildDeviceCodeRequest("https://i.example/api/accounts/deviceauth/usercode", "cid");
  assert.equal(r.method, "POST");
  assert.equal(r.headers.get("content-type"), "application/json");
  assert.deepEqual(await r.json(), { client_id: "cid" });
  const p = buildDeviceTokenRequest("https://i.example/t", {
    deviceAuthId: "d1",
    userCode: "U-1",
    intervalMs: 5000,
  });
  assert.deepEqual(await p.json(), { device_auth_id: "d1", user_code: "U-1" });
});

Deno.test("processDeviceCodeResponse: interval as string or number, default 5 s, errors", async () => {
  assert.deepEqual(
    await processDeviceCodeResponse(
      Response.json({ device_auth_id: "d", user_code: "AB-CD", interval: "7" }),
    ),
    { deviceAuthId: "d", userCode: "AB-CD", intervalMs: 7000 },
  );
  assert.equal(
    (await processDeviceCodeResponse(
      Response.json({ device_auth_id: "d", user_code: "X", interval: 2 }),
    ))
      .intervalMs,
    2000,
  );
  assert.equal(
    (await processDeviceCodeResponse(Response.json({ device_auth_id: "d", user_code: "X" })))
      .intervalMs,
    5000,
  );
  await assert.rejects(
    processDeviceCodeResponse(Response.json({ user_code: "X" })),
    (e) => isPiError(e, "auth.login_failed"),
  );
  await assert.rejects(
    processDeviceCodeResponse(new Response("nope", { status: 404 })),
    (e) =>
      isPiError(e, "auth.login_failed") && /HTTP 404/.test(e.message) &&
      /without --device/.test(e.hint!),
  );
});

Deno.test("processDeviceTokenResponse: 403 and 404 are pending; 200 carries the code", async () => {
  assert.deepEqual(await processDeviceTokenResponse(new Response("", { status: 403 })), {
    pending: true,
  });
  assert.deepEqual(await processDeviceTokenResponse(new Response("", { status: 404 })), {
    pending: true,
  });
  assert.deepEqual(
    await processDeviceTokenResponse(
      Response.json({ authorization_code: "ac", code_verifier: "cv", code_challenge: "cc" }),
    ),
    { pending: false, authorizationCode: "ac", codeVerifier: "cv" },
  );
  await assert.rejects(
    processDeviceTokenResponse(new Response("boom", { status: 500 })),
    (e) => isPiError(e, "auth.login_failed"),
  );
});

Deno.test("pollDeviceAuthorization: gives up at its limit; Ctrl+C cancels", async () => {
  let clock = 0;
  let polls = 0;
  const pending = () => {
    polls++;
    clock += 1000;
    return Promise.resolve(new Response("", { status: 403 }));
  };
  await assert.rejects(
    pollDeviceAuthorization({ deviceAuthId: "d", userCode: "u", intervalMs: 1 }, {
      endpoint: "http://127.0.0.1:9/t",
      fetch: pending,
      now: () => clock,
      timeoutMs: 3000,
    }),
    (e) => isPiError(e, "auth.login_timeout"),
  );
  assert.equal(polls, 3);
  const controller = new AbortController();
  const polling = pollDeviceAuthorization(
    { deviceAuthId: "d", userCode: "u", intervalMs: 60_000 },
    {
      endpoint: "http://127.0.0.1:9/t",
      fetch: () => Promise.resolve(new Response("", { status: 404 })),
      now: () => 0,
      signal: controller.signal,
    },
  );
  setTimeout(() => controller.abort(new Error("stop")), 10);
  await assert.rejects(polling, /stop/);
});
