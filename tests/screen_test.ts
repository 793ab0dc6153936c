import assert from "node:assert/strict";
import { Screen } from "../src/cli/tui/screen.ts";
import { createStyle, stringWidth, stripAnsi } from "../src/cli/render.ts";
import { emulate as vt100 } from "./fixtures/vt100.ts";

/** The rows of the terminal after `bytes`. */
const emulate = (bytes: string, columns: number, rows: number): string[] =>
  vt100(bytes, columns, rows).rows;

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
