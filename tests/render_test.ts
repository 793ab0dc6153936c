import assert from "node:assert/strict";
import {
  compactedLine,
  createStyle,
  formatStatus,
  formatThinking,
  formatToolLine,
  MarkdownStream,
  sanitize,
  stringWidth,
  stripAnsi,
  truncate,
  wantsColor,
  wrapLine,
} from "../src/cli/render.ts";

const plain = createStyle(false);
const color = createStyle(true);

Deno.test("render: NO_COLOR turns every style off", () => {
  assert.equal(wantsColor((n) => (n === "NO_COLOR" ? "1" : undefined)), false);
  assert.equal(wantsColor(() => undefined), true);
  assert.equal(wantsColor((n) => (n === "TERM" ? "dumb" : undefined)), false);
  const md = new MarkdownStream(plain);
  const out = md.push("# Title\n**bold** and `code`\n```ts\nlet x = 1;\n```\n- item\n").join("\n");
  assert.ok(!out.includes("\x1b"), "no ANSI at all");
  assert.equal(out, "Title\nbold and code\n```ts\nlet x = 1;\n```\n• item");
});

Deno.test("render: streamed markdown gives the same lines however the text is split", () => {
  const text = "Intro **bold** here\n```js\nconst a = `x`;\n**not bold**\n```\n1. one\n* two\ndone";
  const whole = new MarkdownStream(color);
  const expected = [...whole.push(text), ...whole.end()];
  for (let cut = 1; cut < text.length; cut++) {
    const md = new MarkdownStream(color);
    const got = [...md.push(text.slice(0, cut)), ...md.push(text.slice(cut)), ...md.end()];
    assert.deepEqual(got, expected, `split at ${cut}`);
  }
  assert.equal(stripAnsi(expected[0]), "Intro bold here");
  assert.ok(expected[0].includes("\x1b[1mbold\x1b[22m"));
  assert.equal(stripAnsi(expected[3]), "│ **not bold**", "no markdown inside code blocks");
  assert.equal(stripAnsi(expected[6]), "• two");
});

Deno.test("render: the incomplete line is shown live and not committed", () => {
  const md = new MarkdownStream(plain);
  assert.deepEqual(md.push("Hel"), []);
  assert.equal(md.partial(), "Hel");
  assert.deepEqual(md.push("lo\nWor"), ["Hello"]);
  assert.equal(md.partial(), "Wor");
  assert.deepEqual(md.end(), ["Wor"]);
});

Deno.test("render: widths, truncation and wrapping respect wide characters and ANSI", () => {
  assert.equal(stringWidth("日本"), 4);
  assert.equal(stringWidth(color.bold("ab")), 2);
  assert.equal(stripAnsi(truncate(color.red("abcdefgh"), 5)), "abcd…");
  assert.equal(stringWidth(truncate("日本語日本語", 7)), 7);
  assert.deepEqual(wrapLine("the quick brown fox", 10), ["the quick", "brown fox"]);
  assert.deepEqual(wrapLine("abcdefghijkl", 5), ["abcde", "fghij", "kl"]);
  for (const row of wrapLine(color.bold("aaaa bbbb cccc dddd"), 9)) {
    assert.ok(stringWidth(row) <= 9);
  }
});

Deno.test("render: status line shows model, thinking, tokens, subscription, context", () => {
  const info = {
    provider: "openai-codex",
    model: "gpt-5.2-codex",
    thinking: "high",
    tokensIn: 12_345,
    tokensOut: 678,
    cost: 0,
    listCost: 0.05,
    billed: false,
    contextTokens: 27_200,
    contextWindow: 272_000,
  };
  const line = stripAnsi(formatStatus(info, 100, color));
  assert.equal(
    line,
    "openai-codex/gpt-5.2-codex · thinking high · ↑12k ↓678 · subscription · ctx 10%",
  );
  const billed = stripAnsi(formatStatus({ ...info, billed: true, cost: 0.0123 }, 100, plain));
  assert.ok(billed.includes("$0.012"));
  for (const w of [20, 40, 60]) {
    const narrow = formatStatus(info, w, plain);
    assert.ok(stringWidth(narrow) <= w, `fits in ${w}: ${narrow}`);
    assert.ok(narrow.startsWith("openai-codex/"));
  }
  // At 80 columns with a long conversation the context share stays; the cost goes first.
  const long = stripAnsi(formatStatus({ ...info, tokensIn: 5_400, tokensOut: 60 }, 72, plain));
  assert.equal(long, "openai-codex/gpt-5.2-codex · thinking high · ↑5.4k ↓60 · ctx 10%");
});

Deno.test("render: the compaction line says the context before and after (screen and print mode)", () => {
  assert.equal(compactedLine(212_345, 31_000), "Compacted: 212k → 31k tokens");
  assert.equal(compactedLine(9_500, 950), "Compacted: 9.5k → 950 tokens");
});

Deno.test("render: a tool call is one line with its result summarised", () => {
  const call = { name: "bash", args: { command: "echo $((6*7))" } };
  assert.equal(formatToolLine(call, undefined, 80, plain), "• bash echo $((6*7))");
  assert.equal(
    formatToolLine(call, { text: "42\n", isError: false }, 80, plain),
    "✓ bash echo $((6*7)) → 42",
  );
  assert.equal(
    formatToolLine(
      { name: "read", args: { path: "a.txt" } },
      { text: "l1\nl2\nl3", isError: true },
      80,
      plain,
    ),
    "✗ read a.txt → l1 … (3 lines)",
  );
  const long = formatToolLine(
    { name: "bash", args: { command: "x".repeat(200) } },
    { text: "y".repeat(200), isError: false },
    40,
    color,
  );
  assert.ok(stringWidth(long) <= 40);
  assert.ok(!long.includes("\n"));
});

Deno.test("render: thinking collapses to one dim line or shows whole", () => {
  assert.deepEqual(formatThinking("a b c", false, 80, plain), [
    "▸ Thought (3 words; Ctrl+T shows it)",
  ]);
  const shown = formatThinking("first line\nsecond", true, 80, color);
  assert.equal(shown.length, 2);
  assert.ok(shown[0].startsWith("\x1b[2m"));
});

Deno.test("render: untrusted text cannot move the cursor or restyle the screen", () => {
  assert.equal(sanitize("a\x1b[2Jb\tc\r\nd\x07\x1b]0;title\x07e\x1bf"), "ab    c\ndef");
  const line = formatToolLine(
    { name: "bash", args: { command: "printf '\x1b[31mred'" } },
    { text: "\x1b[31mred\x1b[0m\r\n", isError: false },
    80,
    plain,
  );
  assert.equal(line, "✓ bash printf 'red' → red");
});
