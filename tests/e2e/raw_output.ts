/**
 * A tmux pane whose raw output is recorded from pi's first byte, for tests that check what
 * pi wrote rather than what the terminal shows: a URL or a path printed whole, with no line
 * break inside (the terminal's own wrap is not in the bytes).
 * @module
 */
import assert from "node:assert/strict";
import { REPO } from "./run_pi.ts";
import { shellQuote, TmuxPane } from "./tmux.ts";

/** The authorize URL as pi prints it: every parameter, up to the last one. */
const AUTHORIZE = /http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?[A-Za-z0-9%._~&=+-]*/;

/** A pane of 80×24 (rows wrapped by the terminal joined in `screen()`) whose raw output is recorded from pi's first byte. */
export async function recordedPane(
  dir: string,
  env: Record<string, string>,
  args: string[],
): Promise<{ pane: TmuxPane; raw(): Promise<string> }> {
  const go = `${dir}/go`;
  const raw = `${dir}/raw.out`;
  const pane = await TmuxPane.start(dir, { ...env, PI_TEST_GO: go }, args, {
    width: 80,
    height: 24,
    join: true,
    history: 200,
    script: `${REPO}tests/fixtures/main_after_go.ts`,
  });
  await pane.tmux("pipe-pane", "-o", `cat >> ${shellQuote(raw)}`);
  await Deno.writeTextFile(go, "");
  return { pane, raw: () => Deno.readTextFile(raw).catch(() => "") };
}

/** `text` is in `raw` as one piece, ending its line. */
export function assertWhole(raw: string, text: string, what: string): void {
  assert.ok(text.length > 80, `${what} is not longer than the terminal is wide`);
  assert.ok(raw.includes(`${text}\r\n`), `${what} is not whole in the raw output:\n${raw}`);
}

/** The authorize URL pi printed, whole (its last parameter is `originator=pi`). */
export function authorizeUrl(raw: string): string {
  const url = raw.match(AUTHORIZE)?.[0] ?? "";
  assert.match(url, /&originator=pi$/, `the URL is broken in the raw output:\n${raw}`);
  return url;
}
