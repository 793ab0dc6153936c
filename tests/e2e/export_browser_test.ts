/**
 * `pi export`'s HTML in a real browser: headless Chromium (Debian's `chromium`, installed by
 * .ci/run) loads the file, its DOM holds the conversation, a screenshot is taken, and its
 * network log shows no request made by the page. A control page with one remote image shows
 * that the log check sees a page's request.
 */

import assert from "node:assert/strict";
import { lines, pi, sessionFiles, withFake } from "./session_env.ts";

const CHROMIUM = "chromium";

async function chromium(
  dir: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(CHROMIUM, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      // Nothing resolves but loopback: the browser's own background requests stay here too.
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
      `--user-data-dir=${dir}/profile-${crypto.randomUUID()}`,
      ...args,
    ],
    env: { HOME: dir, PATH: Deno.env.get("PATH") ?? "" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

/** The URLs of requests the page started (the browser's own have no initiator origin). */
async function pageRequests(netLog: string): Promise<string[]> {
  const log = JSON.parse(await Deno.readTextFile(netLog));
  const types = log.constants.logEventTypes as Record<string, number>;
  const out: string[] = [];
  for (const event of log.events as { type: number; params?: Record<string, unknown> }[]) {
    if (event.type !== types.URL_REQUEST_START_JOB) continue;
    const { url, initiator } = event.params ?? {};
    if (typeof url !== "string" || url.startsWith("file:") || url.startsWith("data:")) continue;
    if (initiator === "not an origin") continue; // the browser's own (time, accounts, …)
    out.push(url);
  }
  return out;
}

async function isInstalled(): Promise<boolean> {
  try {
    const out = await new Deno.Command("sh", {
      args: ["-c", `command -v ${CHROMIUM}`],
      stdout: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

Deno.test("pi export's HTML renders in headless Chromium: the conversation is in the DOM, a screenshot is taken, the page requests nothing", async () => {
  assert.ok(await isInstalled(), "chromium is needed: apt-get install chromium (.ci/run does)");
  await withFake([
    { calls: [{ name: "bash", arguments: { command: "echo rendered-tool-output" } }] },
    { text: "The fix:\n\n```ts\nconst safe = a < b && c > d;\n```\n\nDone." },
  ], async (env) => {
    assert.equal((await pi(env, ["-p", "Render <this> & that"])).code, 0);
    const id = String((await lines((await sessionFiles(env.agentDir))[0]))[0].id);
    const page = `${env.work}/page.html`;
    const exported = await pi(env, ["export", id, "-o", page]);
    assert.equal(exported.code, 0, exported.stderr);
    const url = `file://${page}`;

    const netLog = `${env.dir}/net.json`;
    const dom = await chromium(env.dir, [`--log-net-log=${netLog}`, "--dump-dom", url]);
    assert.equal(dom.code, 0, dom.stderr);
    assert.match(dom.stdout, /<h1>Render &lt;this&gt; &amp; that<\/h1>/);
    assert.match(
      dom.stdout,
      /<details class="tool"><summary><span class="tool-name">bash<\/span> echo rendered-tool-output<\/summary>/,
    );
    assert.match(dom.stdout, /<pre>rendered-tool-output\n?<\/pre>/);
    assert.match(
      dom.stdout,
      /<pre class="code" data-lang="ts"><code>const safe = a &lt; b &amp;&amp; c &gt; d;<\/code><\/pre>/,
    );
    assert.doesNotMatch(dom.stdout, /<script/i);
    assert.deepEqual(await pageRequests(netLog), [], "the page requested nothing");

    const shot = `${env.dir}/export.png`;
    const screenshot = await chromium(env.dir, [
      "--window-size=1000,1300",
      `--screenshot=${shot}`,
      url,
    ]);
    assert.equal(screenshot.code, 0, screenshot.stderr);
    const png = await Deno.readFile(shot);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
    const view = new DataView(png.buffer);
    assert.deepEqual([view.getUint32(16), view.getUint32(20)], [1000, 1300]);
    // Not a blank page: a blank 1000×1300 PNG compresses to a few kilobytes.
    assert.ok(png.length > 20_000, `screenshot of ${png.length} bytes`);
    const keep = Deno.env.get("PI_EXPORT_SCREENSHOT");
    if (keep) await Deno.copyFile(shot, keep);

    // The control: a page that loads a remote image is seen by the same check.
    const hits: string[] = [];
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
      hits.push(new URL(req.url).pathname);
      return new Response("", { status: 404 });
    });
    try {
      const control = `${env.dir}/control.html`;
      await Deno.writeTextFile(
        control,
        `<!DOCTYPE html><p>control</p><img src="http://127.0.0.1:${server.addr.port}/pixel.png">`,
      );
      const controlLog = `${env.dir}/control-net.json`;
      const out = await chromium(env.dir, [
        `--log-net-log=${controlLog}`,
        "--dump-dom",
        `file://${control}`,
      ]);
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(await pageRequests(controlLog), [
        `http://127.0.0.1:${server.addr.port}/pixel.png`,
      ]);
      assert.deepEqual(hits, ["/pixel.png"]);
    } finally {
      await server.shutdown();
    }
  });
});
