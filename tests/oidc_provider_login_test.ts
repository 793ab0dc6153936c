/**
 * The same login code against npm `oidc-provider`, a strict, independent OAuth 2.0 /
 * OpenID Connect server started here on 127.0.0.1: PKCE S256 required, exact redirect
 * URI match, one-time codes, refresh tokens, JWT access tokens. Only the issuer, the
 * client id and the endpoint paths are injected; the flow code is the one `pi login` runs.
 */
import assert from "node:assert/strict";
import http from "node:http";
import Provider from "npm:oidc-provider@9.13.3";
import { loginOpenAICodex } from "../src/auth/openai_codex_login.ts";
import { decodeJwtPayload } from "../src/auth/jwt.ts";
import type { Deps } from "../src/deps.ts";
import { isPiError } from "../src/errors.ts";
import { freePort } from "./fixtures/fake_oauth_issuer.ts";

const CLIENT_ID = "pi-test-client";
const ACCOUNT = "acct-oidc-42";
const RESOURCE = "https://api.test.invalid/";

interface Oidc {
  issuer: string;
  requests: string[];
  close(): Promise<void>;
}

async function startOidc(callbackPort: number): Promise<Oidc> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const issuer = `http://127.0.0.1:${port}`;
  const warn = console.warn;
  console.warn = () => {}; // oidc-provider's development-mode notices
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      token_endpoint_auth_method: "none",
      redirect_uris: [`http://localhost:${callbackPort}/auth/callback`],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    }],
    pkce: { required: () => true },
    ttl: {
      Interaction: 600,
      Session: 600,
      Grant: 600,
      AccessToken: 3600,
      RefreshToken: 86400,
      IdToken: 3600,
    },
    scopes: ["openid", "profile", "email", "offline_access"],
    claims: { openid: ["sub"], email: ["email"], profile: ["name"] },
    findAccount: (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: () => ({ sub, email: "oidc-user@example.com", name: "OIDC User" }),
    }),
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: "codex",
          accessTokenFormat: "jwt",
          audience: RESOURCE,
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
    extraTokenClaims: () => ({
      "https://api.openai.com/auth": { chatgpt_account_id: ACCOUNT, chatgpt_plan_type: "plus" },
    }),
    // offline_access without prompt=consent is dropped by the spec; issue refresh tokens
    // to this public client anyway (pi's flow does not send prompt=consent).
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(g: string): boolean }) =>
      client.grantTypeAllowed("refresh_token"),
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
  });
  console.warn = warn;
  const requests: string[] = [];
  const callback = provider.callback();
  server.on("request", async (req, res) => {
    requests.push(`${req.method} ${new URL(req.url!, issuer).pathname}`);
    try {
      if (req.url?.startsWith("/interaction/")) {
        // The user signs in and consents: finish the interaction at once.
        const details = await provider.interactionDetails(req, res);
        if (details.prompt.name === "login") {
          await provider.interactionFinished(req, res, { login: { accountId: "user-1" } }, {
            mergeWithLastSubmission: false,
          });
          return;
        }
        const grant = details.grantId
          ? (await provider.Grant.find(details.grantId))!
          : new provider.Grant({
            accountId: details.session!.accountId,
            clientId: details.params.client_id as string,
          });
        const prompt = details.prompt.details as {
          missingOIDCScope?: string[];
          missingResourceScopes?: Record<string, string[]>;
        };
        if (prompt.missingOIDCScope) grant.addOIDCScope(prompt.missingOIDCScope.join(" "));
        for (const [resource, scopes] of Object.entries(prompt.missingResourceScopes ?? {})) {
          grant.addResourceScope(resource, scopes.join(" "));
        }
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: { grantId } }, {
          mergeWithLastSubmission: true,
        });
        return;
      }
      callback(req, res);
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  });
  return {
    issuer,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A browser with a cookie jar that follows redirects (oidc-provider keeps its state in cookies). */
async function browse(start: string, hops: string[]): Promise<void> {
  const jar = new Map<string, string>();
  let url = start;
  for (let i = 0; i < 20; i++) {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    if (target.hostname === "127.0.0.1" && jar.size > 0) {
      headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    }
    const response = await fetch(url, { redirect: "manual", headers });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const eq = pair.indexOf("=");
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    await response.body?.cancel();
    hops.push(`${response.status} ${target.origin}${target.pathname}`);
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location) return;
    url = new URL(location, url).href;
  }
  throw new Error("too many redirects");
}

function deps(browser: (url: string) => void): Deps {
  const silent = { write() {}, isTerminal: () => false };
  return {
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
    env: () => undefined,
    agentDir: "/nonexistent",
    homeDir: "/nonexistent",
    openUrl: (url) => {
      browser(url);
      return Promise.resolve(true);
    },
    stdout: silent,
    stderr: silent,
    stdin: { isTerminal: () => false, readable: new ReadableStream() },
  };
}

const waitForever = ({ signal }: { signal?: AbortSignal }) =>
  new Promise<string>((_, reject) =>
    signal?.addEventListener("abort", () => reject(signal.reason))
  );

Deno.test("loginOpenAICodex against oidc-provider: standard authorization code + PKCE", async () => {
  const callbackPort = freePort();
  const oidc = await startOidc(callbackPort);
  const hops: string[] = [];
  let browsing: Promise<void> = Promise.resolve();
  try {
    const credential = await loginOpenAICodex(
      { onAuth() {}, onPrompt: waitForever },
      deps((url) => browsing = browse(url, hops)),
      {
        issuer: oidc.issuer,
        clientId: CLIENT_ID,
        paths: { authorize: "/auth", token: "/token" },
        callbackPort,
      },
    );
    await browsing;
    assert.equal(credential.type, "oauth");
    assert.equal(credential.accountId, ACCOUNT);
    assert.ok(credential.refresh.length > 10, "refresh token issued");
    const claims = decodeJwtPayload(credential.access);
    assert.equal(claims.iss, oidc.issuer);
    assert.equal(claims.client_id, CLIENT_ID);
    assert.equal(claims.aud, RESOURCE);
    assert.ok(Math.abs(credential.expires - ((claims.exp as number) * 1000)) < 5_000);
    assert.ok(
      hops.some((h) => h === `200 http://localhost:${callbackPort}/auth/callback`),
      hops.join("\n"),
    );
    assert.ok(oidc.requests.includes("POST /token"));
  } finally {
    await browsing.catch(() => {});
    await oidc.close();
  }
});

Deno.test("oidc-provider refuses a code exchanged with the wrong PKCE verifier (the check is real)", async () => {
  const callbackPort = freePort();
  const oidc = await startOidc(callbackPort);
  let browsing: Promise<void> = Promise.resolve();
  try {
    // Only the verifier of the token request is changed; the untampered flow above succeeds.
    const base = deps((url) => browsing = browse(url, []));
    const tampering: Deps = {
      ...base,
      fetch: async (input, init) => {
        if (input instanceof Request && new URL(input.url).pathname === "/token") {
          const body = new URLSearchParams(await input.text());
          body.set("code_verifier", "x".repeat(43));
          return fetch(input.url, { method: "POST", headers: input.headers, body });
        }
        return fetch(input, init);
      },
    };
    await assert.rejects(
      loginOpenAICodex({ onAuth() {}, onPrompt: waitForever }, tampering, {
        issuer: oidc.issuer,
        clientId: CLIENT_ID,
        paths: { authorize: "/auth", token: "/token" },
        callbackPort,
      }),
      (err) => isPiError(err, "auth.login_failed") && /invalid_grant/.test(err.message),
    );
  } finally {
    await browsing.catch(() => {});
    await oidc.close();
  }
});
