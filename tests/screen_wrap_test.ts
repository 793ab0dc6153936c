import assert from "node:assert/strict";
import { Screen } from "../src/cli/tui/screen.ts";
import { screenRows } from "../src/cli/tui/text.ts";
import { createStyle, flowLine, osc8, rowCount } from "../src/cli/render.ts";
import { emulate } from "./fixtures/vt100.ts";

const URL = "https://auth.example.com/oauth/authorize?response_type=code&client_id=app_x" +
  "&redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fauth%2Fcallback&state=abcdefghijklmnop";

Deno.test("flowLine breaks prose at spaces and never inside a word; rowCount counts what wraps", () => {
  assert.deepEqual(flowLine("the quick brown fox", 10), ["the quick", "brown fox"]);
  assert.deepEqual(flowLine(`Open ${URL} now`, 30), ["Open", URL, "now"]);
  assert.deepEqual(flowLine(`  file: /very/long/path/${"x".repeat(40)}.jsonl`, 20), [
    "  file:",
    `/very/long/path/${"x".repeat(40)}.jsonl`,
  ]);
  assert.equal(rowCount("x".repeat(20), 20), 1, "exactly full: one row");
  assert.equal(rowCount("x".repeat(21), 20), 2);
  assert.equal(rowCount("", 20), 1);
  assert.equal(rowCount("a".repeat(19) + "日", 20), 2, "a wide character moves to the next row");
  assert.equal(rowCount(osc8("link", URL), 20), 1, "escape sequences take no room");
});

Deno.test("screen: a URL is printed unbroken (no line break inside it) and the terminal wraps it", () => {
  for (const columns of [40, 80, 100]) {
    const screen = new Screen();
    let out = screen.frame([], ["› ", "status"], { row: 0, col: 2 }, columns, 20);
    out += screen.frame(
      ["Open this URL to log in:", URL],
      ["› ", "status"],
      {
        row: 0,
        col: 2,
      },
      columns,
      20,
    );
    assert.ok(out.includes(URL), `${columns}: the URL is written whole`);
    const { joined, rows } = emulate(out, columns, 24);
    assert.ok(joined.includes(URL), `${columns}: joined rows hold the URL`);
    assert.ok(rows.every((r) => r.length <= columns));
    assert.equal(joined.filter((r) => r === "status").length, 1);
  }
});

Deno.test("screen: a live line that the terminal wraps is redrawn in place (cursor moves count wrapped rows)", () => {
  const style = createStyle(true, true);
  const columns = 30;
  const screen = new Screen();
  let out = screen.frame(["before"], ["› ", "status"], { row: 0, col: 2 }, columns, 20);
  // A streaming line with a long URL, the spinner, the editor (cursor) and the status line,
  // redrawn several times (the spinner turns, the editor gets text).
  for (let k = 0; k < 5; k++) {
    out += screen.frame(
      [],
      [`see ${style.link(URL, URL)}`, `spin ${k}`, `› ab${k}`, "status"],
      { row: 2, col: 5 },
      columns,
      20,
    );
    const { rows, joined, cursor } = emulate(out, columns, 24);
    assert.deepEqual(joined.slice(0, 6), ["before", "see", URL, `spin ${k}`, `› ab${k}`, "status"]);
    assert.equal(rows.filter((r) => r.startsWith("spin")).length, 1, "nothing left behind");
    const editorRow = rows.findIndex((r) => r.startsWith("› ab"));
    assert.deepEqual(cursor, { row: editorRow, col: 5 }, "the cursor is in the editor");
  }
  // The line is done: committed above, and the live region shrinks back.
  out += screen.frame([`see ${URL}`], ["› ", "status"], { row: 0, col: 2 }, columns, 20);
  const { joined } = emulate(out, columns, 24);
  assert.deepEqual(
    joined.slice(0, 6),
    ["before", "see", URL, "› ", "status", ""].map((l) => l.trimEnd()),
  );
  assert.equal(screen.height, 2);
});

Deno.test("screen: a live region taller than the screen keeps its bottom rows, counting wrapped ones", () => {
  const screen = new Screen();
  const columns = 20;
  const long = "y".repeat(50); // 3 rows
  let out = screen.frame([], ["a", "b", long, "› x", "s"], { row: 3, col: 3 }, columns, 4);
  const shown = emulate(out, columns, 10);
  assert.deepEqual(shown.rows.slice(0, 5), ["y".repeat(20), "y".repeat(10), "› x", "s", ""]);
  assert.deepEqual(shown.cursor, { row: 2, col: 3 });
  assert.equal(screen.height, 4);
  out += screen.frame([], ["› y", "s"], { row: 0, col: 3 }, columns, 4);
  assert.deepEqual(emulate(out, columns, 10).rows.slice(0, 3), ["› y", "s", ""]);
});

Deno.test("screenRows counts the terminal rows of lines flowed at spaces", () => {
  assert.equal(screenRows([], 20), 0);
  assert.equal(screenRows(["", "the quick brown fox"], 10), 3, "an empty line takes a row");
  assert.equal(screenRows([`Open ${URL} now`], 30), 1 + Math.ceil(URL.length / 30) + 1);
});
