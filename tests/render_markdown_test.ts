import assert from "node:assert/strict";
import {
  createStyle,
  formatThinking,
  LiveLines,
  MarkdownStream,
  renderInline,
  renderTable,
  sanitize,
  stringWidth,
  stripAnsi,
  supportsHyperlinks,
  truncate,
} from "../src/cli/render.ts";

const plain = createStyle(false);
const color = createStyle(true);
const linked = createStyle(true, true);

function render(text: string, width = 80, style = plain): string[] {
  const md = new MarkdownStream(style, { width: () => width });
  return [...md.push(text), ...md.end()];
}

Deno.test("markdown: *italic* and _italic_ lose their markers; snake_case and a * b stay", () => {
  assert.equal(renderInline("an *italic* word", plain), "an italic word");
  assert.equal(renderInline("an _italic_ word", plain), "an italic word");
  assert.equal(renderInline("**bold *and italic***", plain), "bold and italic");
  assert.equal(renderInline("a * b * c", plain), "a * b * c");
  assert.equal(renderInline("snake_case_name and a_b", plain), "snake_case_name and a_b");
  assert.equal(renderInline("\\*not italic\\*", plain), "*not italic*");
  assert.equal(renderInline("`*code*` stays", plain), "*code* stays");
  assert.equal(renderInline("*italic*", color), "\x1b[3mitalic\x1b[23m");
  assert.equal(
    renderInline("C:\\Users\\me", plain),
    "C:\\Users\\me",
    "a backslash before a letter stays",
  );
});

Deno.test("markdown: a link is its text and its URL unbroken, or an OSC 8 hyperlink", () => {
  const url = "https://example.com/docs/a_b_c/*x*?q=1";
  assert.equal(renderInline(`see [the docs](${url}).`, plain), `see the docs (${url}).`);
  assert.equal(renderInline(`<${url}>`, plain), url);
  assert.equal(renderInline(`[${url}](${url})`, plain), url, "the URL once when it is the text");
  assert.equal(renderInline(`bare ${url}.`, plain), `bare ${url}.`, "no markdown inside a URL");
  assert.equal(
    renderInline(`see [the docs](${url})`, linked),
    `see \x1b]8;;${url}\x1b\\\x1b[36mthe docs\x1b[39m\x1b]8;;\x1b\\`,
  );
  assert.equal(
    stringWidth(renderInline(`[the docs](${url})`, linked)),
    8,
    "the link takes no room",
  );
  assert.equal(
    renderInline("[x](javascript:alert(1))", linked),
    "x (\x1b[36mjavascript:alert(1)\x1b[39m)",
    "only http, https, mailto and file become hyperlinks",
  );
  // A cut line closes the hyperlink it opened.
  const cut = truncate(renderInline(`[a long link text](${url})`, linked), 8);
  assert.equal(stripAnsi(cut), "a long …");
  assert.ok(cut.endsWith("\x1b]8;;\x1b\\"), JSON.stringify(cut));
});

Deno.test("markdown: a table is aligned to the width, however the text is split", () => {
  const text = "Before\n| Name | Size | Note |\n|:-----|-----:|:----:|\n| *a* | 1 | x |\n" +
    "| bb | 1234 | **yy** |\nAfter\n";
  const expected = [
    "Before",
    "Name │ Size │ Note",
    "─────┼──────┼─────",
    "a    │    1 │  x",
    "bb   │ 1234 │  yy",
    "After",
  ];
  assert.deepEqual(render(text), expected);
  for (let cut = 1; cut < text.length; cut++) {
    const md = new MarkdownStream(plain);
    const got = [...md.push(text.slice(0, cut)), ...md.push(text.slice(cut)), ...md.end()];
    assert.deepEqual(got, expected, `split at ${cut}`);
  }
  // The table so far is shown live.
  const md = new MarkdownStream(plain);
  md.push("| a | b |\n|---|---|\n| 1 | 2 |\n");
  assert.equal(md.partial(), "a │ b\n──┼──\n1 │ 2");
  // A line with a | that is not followed by a delimiter row is just a line.
  assert.deepEqual(render("a | b\nnext\n"), ["a | b", "next"]);
  assert.deepEqual(render("| a |\n"), ["| a |"]);
});

Deno.test("markdown: a table too wide wraps its cells, and falls back to header: value lines", () => {
  const table = [["Key", "Description"], ["a", "one two three four five six seven eight nine"]];
  const rows = renderTable(table, ["left", "left"], 30, plain);
  for (const row of rows) assert.ok(stringWidth(row) <= 30, row);
  assert.equal(rows[0], "Key │ Description");
  assert.deepEqual(rows.slice(2).map((r) => r.split(" │ ")[1].trimEnd()).join(" "), table[1][1]);
  // A URL wider than its column is never broken: each row becomes header: value lines.
  const url = "https://example.com/a/long/path/that/does/not/fit/in/a/column.html";
  const records = renderTable(
    [["Name", "Link"], ["docs", url], ["home", "https://example.com"]],
    ["left", "left"],
    40,
    plain,
  );
  assert.deepEqual(records, [
    "Name: docs",
    `Link: ${url}`,
    "────────────────────",
    "Name: home",
    "Link: https://example.com",
  ]);
});

Deno.test("markdown: thinking summaries are rendered (bold title, italic, lists), dim", () => {
  const lines = formatThinking(
    "**Planning the fix**\n\nCheck *each* file:\n- `a.ts`",
    true,
    80,
    plain,
  );
  assert.deepEqual(lines, ["Planning the fix", "", "Check each file:", "• a.ts"]);
  const styled = formatThinking("**Title** then text", true, 80, color);
  // Bold inside dim turns dim on again (both end with SGR 22).
  assert.equal(styled[0], "\x1b[2m\x1b[3m\x1b[1mTitle\x1b[22m\x1b[2m then text\x1b[23m\x1b[22m");
});

Deno.test("live tool output: chunks are whole lines, never joined (alpha / beta / gamma)", () => {
  const live = new LiveLines(3);
  live.push("alpha\nbeta\n");
  assert.deepEqual(live.rows(), ["alpha", "beta"]);
  live.push("gamma\n");
  assert.deepEqual(live.rows(), ["alpha", "beta", "gamma"]);
  live.push("del");
  assert.deepEqual(live.rows(), ["beta", "gamma", "del"], "the line being written is last");
  live.push("ta\r\n\r\nepsilon\r");
  live.push("\nzeta");
  assert.deepEqual(live.rows(), ["delta", "epsilon", "zeta"], "\\r\\n split across chunks");
  const progress = new LiveLines(1);
  progress.push("10%\r20%\r");
  progress.push("30%");
  assert.deepEqual(progress.rows(), ["30%"], "\\r starts the line again");
  const hostile = new LiveLines(2);
  hostile.push("\x1b[2Jred\x1b[31m\n\u202eevil\n");
  assert.deepEqual(hostile.rows(), ["red", "evil"]);
});

Deno.test("sanitize drops bidirectional overrides too", () => {
  assert.equal(sanitize("a\u202eb\u2066c\u200fd\ne"), "abcd\ne");
});

Deno.test("hyperlinks: conservative detection from the environment", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(supportsHyperlinks(env({})), false, "no TERM");
  assert.equal(supportsHyperlinks(env({ TERM: "xterm-256color" })), false, "unknown terminal");
  assert.equal(supportsHyperlinks(env({ TERM: "xterm-256color", VTE_VERSION: "7600" })), true);
  assert.equal(
    supportsHyperlinks(env({ TERM: "xterm-256color", VTE_VERSION: "7600", NO_COLOR: "1" })),
    false,
    "NO_COLOR",
  );
  assert.equal(supportsHyperlinks(env({ TERM: "dumb", WT_SESSION: "x" })), false, "dumb");
  assert.equal(supportsHyperlinks(env({ TERM: "xterm-kitty" })), true);
  assert.equal(
    supportsHyperlinks(
      env({ TERM: "xterm-256color", TERM_PROGRAM: "iTerm.app", TERM_PROGRAM_VERSION: "3.0.9" }),
    ),
    false,
  );
  assert.equal(
    supportsHyperlinks(
      env({ TERM: "xterm-256color", TERM_PROGRAM: "iTerm.app", TERM_PROGRAM_VERSION: "3.5.0" }),
    ),
    true,
  );
  const tmux = (v: string) =>
    supportsHyperlinks(
      env({
        TERM: "tmux-256color",
        TMUX: "/tmp/s,1,0",
        TERM_PROGRAM: "tmux",
        TERM_PROGRAM_VERSION: v,
      }),
    );
  assert.equal(tmux("3.3a"), false);
  assert.equal(tmux("3.4"), true);
  assert.equal(tmux("3.5a"), true);
  assert.equal(supportsHyperlinks(env({ TERM: "screen", VTE_VERSION: "7600" })), false, "screen");
  assert.equal(
    supportsHyperlinks(env({ TERM: "xterm-kitty", CI: "true" })),
    false,
    "CI logs are not terminals",
  );
  assert.equal(supportsHyperlinks(env({ TERM: "xterm", FORCE_HYPERLINK: "1" })), true);
  assert.equal(supportsHyperlinks(env({ TERM: "xterm-kitty", FORCE_HYPERLINK: "0" })), false);
});
