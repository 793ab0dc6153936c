/**
 * Line diffs for the approval question (the diff of an edit): Myers' O(ND) algorithm on
 * lines, after trimming the common head and tail, and a unified diff with context lines.
 * Pure.
 * @module
 */

/** One line of a diff: kept (`=`), removed (`-`) or added (`+`). */
export interface DiffOp {
  /** What happens to the line. */
  op: "=" | "-" | "+";
  /** The line, with its line break when it has one. */
  line: string;
}

/** Lines of `text`, each keeping its `\n` (the last one may lack it). */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", start)) {
    lines.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** The shortest edit script from `a` to `b`, or undefined past `maxEdits` changes. */
function myers(a: readonly string[], b: readonly string[], maxEdits: number): DiffOp[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(maxEdits, n + m);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])
        ? v[offset + k + 1]
        : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, d);
    }
  }
  return undefined;
}

function backtrack(
  a: readonly string[],
  b: readonly string[],
  trace: readonly Int32Array[],
  depth: number,
): DiffOp[] {
  const ops: DiffOp[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = depth; d > 0; d--) {
    const snapshot = trace[d];
    const at = (k: number) => snapshot[k + d + 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ op: "=", line: a[--x] });
      y--;
    }
    if (x === prevX) ops.push({ op: "+", line: b[--y] });
    else ops.push({ op: "-", line: a[--x] });
  }
  while (x > 0 && y > 0) {
    ops.push({ op: "=", line: a[--x] });
    y--;
  }
  return ops.reverse();
}

/**
 * The lines of `a` and `b` as kept, removed and added lines. Past `maxEdits` changes (after
 * the common head and tail) the middle is shown as all removed, then all added.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { diffLines } from "./line_diff.ts";
 * const ops = diffLines(["a\n", "b\n", "c\n"], ["a\n", "B\n", "c\n"]);
 * assert.deepEqual(ops.map((o) => o.op).join(""), "=-+=");
 * ```
 */
export function diffLines(a: readonly string[], b: readonly string[], maxEdits = 1000): DiffOp[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head && tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const middle = myers(midA, midB, maxEdits) ?? [
    ...midA.map((line): DiffOp => ({ op: "-", line })),
    ...midB.map((line): DiffOp => ({ op: "+", line })),
  ];
  return [
    ...a.slice(0, head).map((line): DiffOp => ({ op: "=", line })),
    ...middle,
    ...a.slice(a.length - tail).map((line): DiffOp => ({ op: "=", line })),
  ];
}

/**
 * A unified diff of two texts (`---`/`+++` header, `@@` hunks with `context` lines around
 * each change, `\ No newline at end of file` where a last line lacks one), as lines without
 * line breaks; no lines when the texts are equal. `oldText` undefined is a new file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unifiedDiff } from "./line_diff.ts";
 * assert.deepEqual(unifiedDiff("a\nb\nc\n", "a\nB\nc\n", { path: "f.txt" }), [
 *   "--- a/f.txt",
 *   "+++ b/f.txt",
 *   "@@ -1,3 +1,3 @@",
 *   " a",
 *   "-b",
 *   "+B",
 *   " c",
 * ]);
 * ```
 */
export function unifiedDiff(
  oldText: string | undefined,
  newText: string,
  options: { path?: string; context?: number } = {},
): string[] {
  const context = options.context ?? 3;
  const path = options.path ?? "file";
  const ops = diffLines(splitLines(oldText ?? ""), splitLines(newText));
  if (ops.every((o) => o.op === "=")) return [];
  const out = [
    oldText === undefined ? "--- /dev/null" : `--- a/${path}`,
    `+++ b/${path}`,
  ];
  // Positions (in ops) of changes, grouped into hunks that overlap with their context.
  let i = 0;
  let oldLine = 1;
  let newLine = 1;
  const lineNumbers = ops.map((o) => {
    const at = { old: oldLine, new: newLine };
    if (o.op !== "+") oldLine++;
    if (o.op !== "-") newLine++;
    return at;
  });
  while (i < ops.length) {
    while (i < ops.length && ops[i].op === "=") i++;
    if (i >= ops.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    // Extend over changes closer than 2 × context lines apart.
    while (true) {
      while (end < ops.length && ops[end].op !== "=") end++;
      let next = end;
      while (next < ops.length && ops[next].op === "=") next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const oldCount = hunk.filter((o) => o.op !== "+").length;
    const newCount = hunk.filter((o) => o.op !== "-").length;
    const first = lineNumbers[start];
    const oldStart = oldCount === 0 ? first.old - 1 : first.old;
    const newStart = newCount === 0 ? first.new - 1 : first.new;
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
    for (const o of hunk) {
      const mark = o.op === "=" ? " " : o.op;
      const bare = o.line.endsWith("\n") ? o.line.slice(0, -1) : o.line;
      out.push(mark + bare);
      if (!o.line.endsWith("\n")) out.push("\\ No newline at end of file");
    }
    i = stop;
  }
  return out;
}
