import assert from "node:assert/strict";
import { Screen } from "../src/cli/tui/screen.ts";
import { createStyle, flowLine, osc8, rowCount } from "../src/cli/render.ts";

/**
 * A small VT100 with auto-margin as terminals have it: a character written past the last
 * column goes to the next row (pending wrap), CR and LF, cursor up / forward, erase below,
 * SGR and OSC ignored. Returns the rows, and which rows continue the one above (wrapped).
 */
function emulate(bytes: string, columns: number, rows: number) {
  const lines: string[][] = Array.from({ length: rows }, () => []);
  const wrapped: boolean[] = Array.from({ length: rows }, () => false);
  let r = 0;
  let c = 0;
  let i = 0;
  const down = (wrap: boolean) => {
    if (r === rows - 1) {
      lines.shift();
      lines.push([]);
      wrapped.shift();
      wrapped.push(false);
    } else r++;
    wrapped[r] = wrap;
  };
  while (i < bytes.length) {
    const ch = bytes[i];
    if (ch === "\x1b") {
      // deno-lint-ignore no-control-regex
      const osc = /^\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/.exec(bytes.slice(i));
      if (osc) {
        i += osc[0].length;
        continue;
      }
      // deno-lint-ignore no-control-regex
      const m = /^\x1b\[(\??)(\d*)([A-Za-z])/.exec(bytes.slice(i));
      if (!m) throw new Error(`unknown sequence at ${i}`);
      i += m[0].length;
      if (m[1] === "?") continue;
      const n = Number(m[2] || "1");
      if (m[3] === "A") r = Math.max(0, r - n);
      else if (m[3] === "C") c = Math.min(columns - 1, c + n);
      else if (m[3] === "H") {
        r = 0;
        c = 0;
      } else if (m[3] === "J") {
        lines[r].length = Math.min(lines[r].length, c);
        for (let k = r + 1; k < rows; k++) {
          lines[k] = [];
          wrapped[k] = false;
        }
      } else if (m[3] !== "m") throw new Error(`unhandled ${m[0]}`);
      continue;
    }
    i++;
    if (ch === "\r") c = 0;
    else if (ch === "\n") down(false);
    else {
      if (c >= columns) {
        c = 0;
        down(true);
      }
      lines[r][c++] = ch;
    }
  }
  return {
    rows: lines.map((l) => Array.from(l, (x) => x ?? " ").join("").trimEnd()),
    /** The rows with wrapped ones joined to the row above (as `tmux capture-pane -J`). */
    joined: lines.reduce<string[]>((out, l, k) => {
      const text = Array.from(l, (x) => x ?? " ").join("");
      if (wrapped[k] && out.length > 0) out[out.length - 1] += text;
      else out.push(text);
      return out;
    }, []).map((l) => l.trimEnd()),
    cursor: { row: r, col: c },
  };
}

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
