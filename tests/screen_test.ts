import assert from "node:assert/strict";
import { Screen } from "../src/cli/tui/screen.ts";
import { createStyle, stringWidth, stripAnsi } from "../src/cli/render.ts";

/** A tiny terminal emulator: enough of VT100 to replay what Screen writes. */
function emulate(bytes: string, columns: number, rows: number): string[] {
  const lines: string[][] = Array.from({ length: rows }, () => []);
  let r = 0;
  let c = 0;
  let i = 0;
  const scroll = () => {
    lines.shift();
    lines.push([]);
    r = rows - 1;
  };
  while (i < bytes.length) {
    const ch = bytes[i];
    if (ch === "\x1b") {
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
        lines[r].length = c;
        for (let k = r + 1; k < rows; k++) lines[k] = [];
      } else if (m[3] !== "m") throw new Error(`unhandled ${m[0]}`);
      continue;
    }
    i++;
    if (ch === "\r") c = 0;
    else if (ch === "\n") {
      if (r === rows - 1) scroll();
      else r++;
    } else {
      if (c >= columns) {
        c = 0;
        if (r === rows - 1) scroll();
        else r++;
      }
      lines[r][c++] = ch;
    }
  }
  return lines.map((l) => Array.from(l, (x) => x ?? " ").join("").trimEnd());
}

Deno.test("screen: commits go above the live region, which is redrawn in place", () => {
  const screen = new Screen();
  let out = "";
  out += screen.frame([], ["> ", "status"], { row: 0, col: 2 }, 20, 10);
  out += screen.frame(["hello"], ["> a", "status"], { row: 0, col: 3 }, 20, 10);
  out += screen.frame(
    ["world", "again"],
    ["partial", "> ab", "status"],
    { row: 1, col: 4 },
    20,
    10,
  );
  out += screen.frame([], ["> ab", "status"], { row: 0, col: 4 }, 20, 10);
  assert.deepEqual(emulate(out, 20, 8), [
    "hello",
    "world",
    "again",
    "> ab",
    "status",
    "",
    "",
    "",
  ]);
  assert.equal(screen.height, 2);
  out += screen.clear();
  assert.deepEqual(emulate(out, 20, 8).slice(0, 4), ["hello", "world", "again", ""]);
});

Deno.test("screen: long lines wrap at the width and a tall live region keeps its bottom rows", () => {
  const screen = new Screen();
  const style = createStyle(true);
  let out = screen.frame(
    [style.bold("a long committed line that wraps")],
    ["1", "2", "3", "4", "> x"],
    { row: 4, col: 3 },
    12,
    3,
  );
  out += screen.frame([], ["> y", "s"], { row: 0, col: 3 }, 12, 3);
  const lines = emulate(out, 12, 8);
  for (const l of lines) assert.ok(stringWidth(l) <= 12);
  assert.deepEqual(lines.slice(0, 5).map(stripAnsi), [
    "a long",
    "committed",
    "line that",
    "wraps",
    "> y",
  ]);
});

Deno.test("screen: reset clears and homes, and the next frame draws from the top", () => {
  const screen = new Screen();
  let out = screen.frame(["a", "b", "c"], ["> x", "status"], { row: 0, col: 3 }, 20, 10);
  out += screen.reset();
  out += screen.frame(["c"], ["> x", "status"], { row: 0, col: 3 }, 20, 10);
  assert.deepEqual(emulate(out, 20, 5), ["c", "> x", "status", "", ""]);
});
