/**
 * The end of a continued conversation as it looked: shown when `pi --continue` opens the
 * screen. Pure: messages in, styled lines out.
 * @module
 */

import type { Message } from "../../ai/types.ts";
import { COMPACTION_SUMMARY_PREFIX } from "../../agent/session_messages.ts";
import { formatThinking, formatToolLine, MarkdownStream, sanitize, type Style } from "../render.ts";

/**
 * The last `exchanges` user messages and what followed them (answers rendered, tool calls
 * one line each, thinking collapsed), after a line counting the earlier messages.
 */
export function recentLines(
  messages: readonly Message[],
  options: { width: number; style: Style; exchanges?: number },
): string[] {
  const { width, style: s, exchanges = 3 } = options;
  let from = messages.length;
  for (let seen = 0; from > 0 && seen < exchanges;) {
    from--;
    if (messages[from].role === "user") seen++;
  }
  const lines: string[] = [];
  if (from > 0) lines.push(s.dim(`… ${from} earlier messages`));
  const results = new Map<string, { text: string; isError: boolean }>();
  for (const m of messages) {
    if (m.role !== "tool_result") continue;
    const text = m.content.map((c) => c.type === "text" ? c.text : `[image ${c.mimeType}]`)
      .join("\n");
    results.set(m.callId, { text, isError: m.isError });
  }
  for (const m of messages.slice(from)) {
    if (m.role === "user") {
      const text = typeof m.content === "string"
        ? m.content
        : m.content.map((c) => c.type === "text" ? c.text : `[image ${c.mimeType}]`).join("\n");
      if (text.startsWith(COMPACTION_SUMMARY_PREFIX)) {
        lines.push(s.dim("(earlier messages were compacted into a summary)"));
        continue;
      }
      lines.push(
        ...sanitize(text).split("\n").map((l, i) => s.bold(`${i === 0 ? "›" : " "} ${l}`)),
      );
    } else if (m.role === "assistant") {
      for (const block of m.content) {
        if (block.type === "thinking") {
          lines.push(...formatThinking(sanitize(block.thinking), false, width, s));
        } else if (block.type === "text") {
          const md = new MarkdownStream(s, { width: () => width });
          lines.push(...md.push(sanitize(block.text)), ...md.end());
        } else {
          lines.push(formatToolLine(
            { name: block.name, args: block.arguments },
            results.get(block.callId) ?? { text: "(no result)", isError: true },
            width,
            s,
          ));
        }
      }
    }
  }
  return lines;
}
