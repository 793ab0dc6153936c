/**
 * A session as a document (`pi export`): its conversation path — messages, tool calls with
 * their results, compactions, model changes, names and rewinds — as one self-contained HTML
 * page (inline CSS, no script, no network resource: a Content-Security-Policy forbids any;
 * tool calls and thinking collapsible with `<details>`, code in `<pre>`) or as Markdown.
 * Every text taken from the session passes through `redact` first, and every text put into
 * the HTML is escaped.
 * @module
 */

import { type ParsedSession, pathLines, sessionName } from "../agent/session_format.ts";
import { isObject } from "../agent/session_messages.ts";
import { summarizeArgs } from "./render.ts";

/** What an export needs besides the session. */
export interface ExportOptions {
  /** Hides secrets in every text taken from the session. */
  redact: (text: string) => string;
  /** When the export is made (epoch ms), shown at the end. */
  now: number;
  /** pi's version, shown at the end. */
  version: string;
}

type Json = Record<string, unknown>;

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** Every string in `value` through `fn` (objects and arrays copied). */
function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === "string") return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (isObject(value)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, fn);
    return out;
  }
  return value;
}

/** One thing shown, in conversation order. */
type Block =
  | { kind: "user"; parts: Part[] }
  | { kind: "assistant"; parts: Part[]; model: string; error?: string }
  | { kind: "note"; text: string; detail?: string };

/** A piece of a message. */
type Part =
  | { kind: "text"; text: string }
  | { kind: "thinking"; text: string }
  | { kind: "image"; mimeType: string; data: string }
  | {
    kind: "tool";
    id: string;
    name: string;
    args: unknown;
    result?: { parts: Part[]; isError: boolean };
  };

function contentParts(content: unknown): Part[] {
  if (typeof content === "string") return [{ kind: "text", text: content }];
  if (!Array.isArray(content)) return [];
  const out: Part[] = [];
  for (const c of content) {
    if (!isObject(c)) continue;
    if (c.type === "text") out.push({ kind: "text", text: str(c.text) });
    else if (c.type === "image") {
      out.push({ kind: "image", mimeType: str(c.mimeType), data: str(c.data) });
    } else if (c.type === "thinking") out.push({ kind: "thinking", text: str(c.thinking) });
    else if (c.type === "toolCall" || c.type === "tool_call") {
      const id = c.type === "toolCall" ? str(c.id) : str(c.callId);
      out.push({ kind: "tool", id, name: str(c.name), args: c.arguments ?? {} });
    }
  }
  return out;
}

/** The session's header facts and its conversation as blocks, every string redacted. */
export interface SessionDocument {
  /** The title: the session's name, else its first user message, else its id. */
  title: string;
  /** Session id. */
  id: string;
  /** Working directory. */
  cwd: string;
  /** When it started. */
  created: string;
  /** The session it was forked from. */
  parentSession?: string;
  /** The conversation. */
  blocks: Block[];
  /** Entries on other branches (left out). */
  otherBranches: number;
}

/**
 * The conversation path of `session` as blocks: each tool result is put with its call, and
 * every string is passed through `redact`.
 */
export function sessionDocument(
  session: ParsedSession,
  redact: (text: string) => string,
): SessionDocument {
  const path = pathLines(session);
  const blocks: Block[] = [];
  const calls = new Map<string, Extract<Part, { kind: "tool" }>>();
  let name: string | undefined;
  let firstUser: string | undefined;
  for (const line of path) {
    const entry = mapStrings(line.entry, redact) as Json;
    switch (entry.type) {
      case "message": {
        const m = isObject(entry.message) ? entry.message : {};
        const role = m.role;
        if (role === "user") {
          const parts = contentParts(m.content);
          firstUser ??= parts.filter((p) => p.kind === "text").map((p) => p.text).join("\n");
          blocks.push({ kind: "user", parts });
        } else if (role === "assistant") {
          const parts = contentParts(m.content);
          for (const p of parts) if (p.kind === "tool") calls.set(p.id, p);
          const block: Block = { kind: "assistant", parts, model: str(m.model) };
          if (typeof m.errorMessage === "string" && m.errorMessage !== "") {
            block.error = m.errorMessage;
          }
          blocks.push(block);
        } else if (role === "toolResult" || role === "tool_result") {
          const id = role === "toolResult" ? str(m.toolCallId) : str(m.callId);
          const result = { parts: contentParts(m.content), isError: m.isError === true };
          const call = calls.get(id) ??
            [...calls.values()].find((c) => c.id.split("|")[0] === id.split("|")[0]);
          if (call && !call.result) call.result = result;
          else {
            blocks.push({
              kind: "assistant",
              model: "",
              parts: [{ kind: "tool", id, name: str(m.toolName), args: {}, result }],
            });
          }
        } else if (role === "custom" || role === "hookMessage") {
          blocks.push({ kind: "user", parts: contentParts(m.content) });
        } else if (role === "bashExecution") {
          blocks.push({
            kind: "note",
            text: `The user ran: ${str(m.command)}`,
            detail: str(m.output),
          });
        }
        break;
      }
      case "compaction":
        blocks.push({
          kind: "note",
          text: "The conversation before this point was compacted into a summary",
          detail: str(entry.summary),
        });
        break;
      case "branch_summary":
        blocks.push({
          kind: "note",
          text: "Summary of a branch this conversation came back from",
          detail: str(entry.summary),
        });
        break;
      case "custom_message":
        blocks.push({ kind: "user", parts: contentParts(entry.content) });
        break;
      case "model_change":
        blocks.push({ kind: "note", text: `Model: ${str(entry.provider)}/${str(entry.modelId)}` });
        break;
      case "thinking_level_change":
        blocks.push({ kind: "note", text: `Thinking level: ${str(entry.thinkingLevel)}` });
        break;
      case "session_info":
        name = str(entry.name).trim() || undefined;
        blocks.push({ kind: "note", text: name ? `Named: ${name}` : "Name cleared" });
        break;
      case "custom":
        if (entry.customType === "rewind" && isObject(entry.data)) {
          blocks.push({
            kind: "note",
            text: `Rewound to before user message ${String(entry.data.toUserMessage)}`,
          });
        }
        break;
      case "model":
        blocks.push({ kind: "note", text: `Model: ${str(entry.model)}` });
        break;
    }
  }
  // The last name in the file names the session, on the path or not.
  const named = sessionName(session);
  name = named === undefined ? undefined : redact(named).trim() || undefined;
  const header = mapStrings(session.header, redact) as Json;
  const id = str(header.id);
  const title = name ?? (firstUser?.trim() ? firstUser.trim() : `Session ${id}`);
  const doc: SessionDocument = {
    title: title.length > 120 ? `${title.slice(0, 119)}…` : title,
    id,
    cwd: str(header.cwd),
    created: str(header.timestamp),
    blocks,
    otherBranches: session.lines.length - path.length,
  };
  if (typeof header.parentSession === "string") doc.parentSession = header.parentSession;
  return doc;
}

/** Text made safe inside HTML elements and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) =>
      c === "&"
        ? "&amp;"
        : c === "<"
        ? "&lt;"
        : c === ">"
        ? "&gt;"
        : c === '"'
        ? "&quot;"
        : "&#39;",
  );
}

function oneLineText(text: string, max = 100): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Message text as HTML: fenced code blocks in `<pre>`, inline code, the rest as written. */
function textHtml(text: string): string {
  const out: string[] = [];
  const fence = /^(`{3,}|~{3,})([^\n`]*)\n([\s\S]*?)\n\1[ \t]*$/gm;
  let last = 0;
  for (const m of text.matchAll(fence)) {
    out.push(proseHtml(text.slice(last, m.index)));
    const lang = m[2].trim();
    out.push(
      `<pre class="code"${lang ? ` data-lang="${escapeHtml(lang)}"` : ""}><code>${
        escapeHtml(m[3])
      }</code></pre>`,
    );
    last = m.index + m[0].length;
  }
  out.push(proseHtml(text.slice(last)));
  return out.join("");
}

function proseHtml(text: string): string {
  const trimmed = text.replace(/^\n+|\n+$/g, "");
  if (trimmed === "") return "";
  const html = escapeHtml(trimmed).replace(/`([^`\n]+)`/g, "<code>$1</code>");
  return `<div class="prose">${html}</div>`;
}

const IMAGE_TYPES = /^image\/(?:png|jpeg|gif|webp)$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function partsHtml(parts: readonly Part[]): string {
  return parts.map((p) => {
    switch (p.kind) {
      case "text":
        return textHtml(p.text);
      case "thinking":
        return p.text.trim() === ""
          ? ""
          : `<details class="thinking"><summary>Thinking</summary><div class="prose">${
            escapeHtml(p.text.trim())
          }</div></details>`;
      case "image":
        // Only an inline image (data: URL), never a link to a resource.
        return IMAGE_TYPES.test(p.mimeType) && BASE64.test(p.data)
          ? `<img alt="image" src="data:${p.mimeType};base64,${p.data}">`
          : `<div class="note">[image]</div>`;
      case "tool":
        return toolHtml(p);
    }
  }).join("");
}

function toolHtml(p: Extract<Part, { kind: "tool" }>): string {
  const args = isObject(p.args) ? p.args : {};
  const summary = oneLineText(summarizeArgs(p.name, args));
  const result = p.result;
  const status = result === undefined ? " (no result)" : result.isError ? " (failed)" : "";
  const resultText = result
    ? result.parts.map((r) => r.kind === "text" ? r.text : r.kind === "image" ? "[image]" : "")
      .join("\n")
    : "";
  return `<details class="tool${
    result?.isError ? " failed" : ""
  }"><summary><span class="tool-name">${escapeHtml(p.name)}</span> ${escapeHtml(summary)}${
    escapeHtml(status)
  }</summary>` +
    `<div class="label">Arguments</div><pre>${escapeHtml(JSON.stringify(args, null, 2))}</pre>` +
    (result
      ? `<div class="label">Result</div><pre>${escapeHtml(resultText)}</pre>${
        result.parts.filter((r) => r.kind === "image").map((r) => partsHtml([r])).join("")
      }`
      : "") +
    `</details>`;
}

const CSS = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #59636e;
  --border: #d1d9e0; --user: #ddf4ff; --assistant: #f6f8fa; --code: #f6f8fa; --error: #cf222e; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d;
    --user: #0c2d4a; --assistant: #151b23; --code: #151b23; --error: #ff7b72; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 56rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }
.meta { color: var(--muted); font-size: .85rem; margin: 0 0 1.5rem; padding: 0; list-style: none; }
.meta li { overflow-wrap: anywhere; }
.msg { border: 1px solid var(--border); border-radius: 8px; padding: .6rem .9rem; margin: .8rem 0; }
.msg.user { background: var(--user); }
.msg.assistant { background: var(--assistant); }
.role { font-weight: 600; font-size: .8rem; color: var(--muted); text-transform: uppercase;
  letter-spacing: .04em; margin-bottom: .3rem; }
.role .model { text-transform: none; font-weight: 400; letter-spacing: 0; }
.prose { white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0; }
code { font: .9em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: var(--code); padding: 0 .2em; border-radius: 4px; }
pre { font: .85rem/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: var(--code); border: 1px solid var(--border); border-radius: 6px;
  padding: .6rem .8rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; margin: .4rem 0; }
pre code { background: none; padding: 0; }
details { border: 1px solid var(--border); border-radius: 6px; margin: .5rem 0; padding: .3rem .7rem;
  background: var(--bg); }
details > summary { cursor: pointer; overflow-wrap: anywhere; }
details.thinking > summary { color: var(--muted); font-style: italic; }
.tool-name { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-weight: 600; }
details.failed > summary, .error { color: var(--error); }
.label { color: var(--muted); font-size: .8rem; margin-top: .4rem; }
.note { color: var(--muted); font-size: .85rem; margin: .6rem 0; }
.note details { font-size: .9rem; }
img { max-width: 100%; height: auto; border-radius: 4px; }
footer { color: var(--muted); font-size: .8rem; margin-top: 2rem; border-top: 1px solid var(--border);
  padding-top: .6rem; }
`;

/**
 * The session as one self-contained HTML page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSession } from "../agent/session_format.ts";
 * import { exportHtml } from "./session_export.ts";
 * const text = [
 *   { type: "session", version: 3, id: "s1", timestamp: "2025-01-01T00:00:00Z", cwd: "/p" },
 *   { type: "message", id: "a", parentId: null, timestamp: "t",
 *     message: { role: "user", content: "<b>hi</b>", timestamp: 0 } },
 * ].map((l) => JSON.stringify(l)).join("\n");
 * const html = exportHtml(parseSession(text, "s.jsonl"), { redact: (t) => t, now: 0, version: "0" });
 * assert.match(html, /&lt;b&gt;hi&lt;\/b&gt;/);
 * assert.doesNotMatch(html, /<script/);
 * ```
 */
export function exportHtml(session: ParsedSession, options: ExportOptions): string {
  const doc = sessionDocument(session, options.redact);
  const body: string[] = [];
  for (const block of doc.blocks) {
    if (block.kind === "note") {
      body.push(
        block.detail === undefined
          ? `<div class="note">${escapeHtml(block.text)}</div>`
          : `<div class="note"><details><summary>${
            escapeHtml(block.text)
          }</summary><div class="prose">${escapeHtml(block.detail)}</div></details></div>`,
      );
      continue;
    }
    const role = block.kind === "user" ? "User" : "Assistant";
    const model = block.kind === "assistant" && block.model
      ? `<span class="model"> · ${escapeHtml(block.model)}</span>`
      : "";
    const error = block.kind === "assistant" && block.error
      ? `<div class="error">${escapeHtml(block.error)}</div>`
      : "";
    body.push(
      `<section class="msg ${block.kind}"><div class="role">${role}${model}</div>${
        partsHtml(block.parts)
      }${error}</section>`,
    );
  }
  const meta = [
    `Session <code>${escapeHtml(doc.id)}</code>`,
    `Directory <code>${escapeHtml(doc.cwd)}</code>`,
    `Started ${escapeHtml(doc.created)}`,
    ...(doc.parentSession
      ? [`Forked from session <code>${escapeHtml(doc.parentSession)}</code>`]
      : []),
  ];
  const branches = doc.otherBranches > 0
    ? ` ${doc.otherBranches} entr${
      doc.otherBranches === 1 ? "y" : "ies"
    } on other branches (rewound or forked away) not shown.`
    : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(doc.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>${escapeHtml(doc.title)}</h1>
<ul class="meta">${meta.map((m) => `<li>${m}</li>`).join("")}</ul>
${body.join("\n")}
<footer>Exported by pi ${escapeHtml(options.version)} on ${new Date(options.now).toISOString()}.${
    escapeHtml(branches)
  }</footer>
</main>
</body>
</html>
`;
}

/** A code fence longer than any run of backticks in `text`. */
function fenceFor(text: string): string {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return "`".repeat(Math.max(3, longest + 1));
}

function fenced(text: string, lang = ""): string {
  const fence = fenceFor(text);
  return `${fence}${lang}\n${text}\n${fence}`;
}

function partsMarkdown(parts: readonly Part[]): string[] {
  const out: string[] = [];
  for (const p of parts) {
    switch (p.kind) {
      case "text":
        if (p.text.trim() !== "") out.push(p.text.trim());
        break;
      case "thinking":
        if (p.text.trim() !== "") {
          out.push(p.text.trim().split("\n").map((l) => `> ${l}`).join("\n"));
        }
        break;
      case "image":
        out.push("*[image]*");
        break;
      case "tool": {
        const args = isObject(p.args) ? p.args : {};
        const summary = oneLineText(summarizeArgs(p.name, args)).replaceAll("`", "'");
        const status = p.result === undefined
          ? " (no result)"
          : p.result.isError
          ? " (failed)"
          : "";
        out.push(`**Tool call: ${p.name}**${status} \`${summary}\``);
        out.push(fenced(JSON.stringify(args, null, 2), "json"));
        if (p.result) {
          const text = p.result.parts.map((r) =>
            r.kind === "text" ? r.text : r.kind === "image" ? "[image]" : ""
          ).join("\n");
          out.push("Result:");
          out.push(fenced(text));
        }
        break;
      }
    }
  }
  return out;
}

/** The session as Markdown. */
export function exportMarkdown(session: ParsedSession, options: ExportOptions): string {
  const doc = sessionDocument(session, options.redact);
  const out: string[] = [`# ${doc.title.replace(/\s+/g, " ")}`, ""];
  out.push(`- Session: \`${doc.id}\``);
  out.push(`- Directory: \`${doc.cwd}\``);
  out.push(`- Started: ${doc.created}`);
  if (doc.parentSession) out.push(`- Forked from: \`${doc.parentSession}\``);
  for (const block of doc.blocks) {
    out.push("");
    if (block.kind === "note") {
      out.push(`*${block.text.replace(/\*/g, "\\*")}*`);
      if (block.detail !== undefined) out.push("", fenced(block.detail));
      continue;
    }
    const model = block.kind === "assistant" && block.model ? ` (${block.model})` : "";
    out.push(`## ${block.kind === "user" ? "User" : "Assistant"}${model}`, "");
    out.push(partsMarkdown(block.parts).join("\n\n"));
    if (block.kind === "assistant" && block.error) out.push("", `**Error:** ${block.error}`);
  }
  out.push(
    "",
    "---",
    `*Exported by pi ${options.version} on ${new Date(options.now).toISOString()}.*`,
    "",
  );
  return out.join("\n");
}
