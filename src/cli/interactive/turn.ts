/**
 * One prompt to the agent on the screen: the answer streamed as it arrives (complete
 * markdown lines go to the transcript, the partial line stays live), thinking collapsed to
 * one line, tool calls as one line each with their live output, the session's totals (the
 * runner's) after each usage, and Ctrl+C, which gives the prompt back at once while the loop
 * winds down behind. The agent loop and the streaming clients are imported on the first
 * prompt.
 * @module
 */

import type { RunnerEvent, SessionRunner } from "../../agent/session_runner.ts";
import { PiError } from "../../errors.ts";
import { oneLine } from "../../one_line.ts";
import { redact } from "../../redact.ts";
import {
  compactedLine,
  formatThinking,
  formatToolLine,
  LiveLines,
  MarkdownStream,
  plainInline,
  sanitize,
  type Style,
  truncate,
} from "../render.ts";
import type { App } from "./app.ts";
import { errorLine } from "./lines.ts";

/** A running prompt: its abort controller and what is streaming. */
export interface Turn {
  /** Aborts the agent loop (Ctrl+C, exit). */
  controller: AbortController;
  /** The answer's markdown; its partial line is drawn live. */
  markdown: MarkdownStream;
  /** Thinking not committed yet. */
  thinking: string;
  /** The tool calls running, with their live output. */
  tools: Map<string, { name: string; args: Record<string, unknown>; output: LiveLines }>;
  /** What the spinner says. */
  status: string;
  /** Ended on screen (cancelled, or its end event came); the loop may still wind down. */
  detached: boolean;
}

/** The rows a running turn draws above the spinner: the partial line, thinking, tools. */
export function turnRows(turn: Turn, width: number, s: Style): string[] {
  const rows: string[] = [];
  const partial = turn.markdown.partial();
  if (partial !== "") rows.push(...partial.split("\n"));
  if (turn.thinking !== "" && partial === "") {
    const last = plainInline(turn.thinking.trim().split("\n").pop() ?? "");
    rows.push(s.dim(s.italic(truncate(`Thinking… ${last}`, width))));
  }
  for (const tool of turn.tools.values()) {
    rows.push(formatToolLine(tool, undefined, width, s));
    for (const line of tool.output.rows()) rows.push(s.dim(truncate(`  ${line}`, width)));
  }
  return rows;
}

/** Sends `text` to the agent (opening the session on the first prompt) and shows the turn. */
export async function runTurn(app: App, text: string): Promise<void> {
  const state = app.state;
  const turn: Turn = {
    controller: new AbortController(),
    markdown: new MarkdownStream(app.style, { width: () => app.width() }),
    thinking: "",
    tools: new Map(),
    status: "Working…",
    detached: false,
  };
  state.turn = turn;
  app.spinner(true);
  app.render();
  try {
    const { SessionRunner } = await import("../../agent/session_runner.ts");
    const runner = state.runner ??= SessionRunner.create(app.runnerOptions(), {
      id: state.sessionId,
    });
    const events = runner.prompt(text, {
      model: state.model,
      thinking: app.requestedThinking(),
      signal: turn.controller.signal,
    });
    for await (const event of events) onAgentEvent(app, turn, runner, event);
  } catch (err) {
    if (!turn.detached) app.error(errorLine(err));
  } finally {
    if (state.turn === turn) state.turn = undefined;
    app.spinner(false);
    if (!turn.detached) app.render();
  }
}

/** Ctrl+C during a turn: the prompt comes back at once; the loop winds down behind. */
export function cancelTurn(app: App): void {
  const turn = app.state.turn;
  if (!turn) return;
  turn.controller.abort(new PiError("interrupted", "Interrupted"));
  const commit = [...flushThinking(app, turn), ...turn.markdown.end()];
  for (const tool of turn.tools.values()) {
    commit.push(
      formatToolLine(tool, { text: "(interrupted)", isError: true }, app.width(), app.style),
    );
  }
  turn.tools.clear();
  commit.push(app.style.yellow("Interrupted"));
  turn.detached = true;
  app.state.turn = undefined;
  app.spinner(false);
  app.render(commit);
}

/** The thinking so far, committed collapsed (or whole when shown); Ctrl+T expands it later. */
function flushThinking(app: App, turn: Turn): string[] {
  if (turn.thinking.trim() === "") return [];
  const show = app.state.showThinking;
  const lines = formatThinking(turn.thinking, show, app.width(), app.style);
  app.state.lastThinking = show ? "" : turn.thinking;
  turn.thinking = "";
  return lines;
}

function onAgentEvent(app: App, turn: Turn, runner: SessionRunner, event: RunnerEvent): void {
  // The runner keeps and saves the messages, even after the turn was cancelled on screen.
  if (event.type === "message") return;
  // The runner counted the usage before yielding it (unless /new or /resume replaced it since).
  if (event.type === "usage" && app.state.runner === runner) app.state.totals = runner.totals();
  if (turn.detached) return;
  const s = app.style;
  const width = app.width();
  switch (event.type) {
    case "turn_start":
      turn.status = "Working…";
      return app.render(turn.markdown.end());
    case "text_delta": {
      const commit = flushThinking(app, turn);
      turn.status = "Answering…";
      commit.push(...turn.markdown.push(sanitize(event.delta)));
      return app.render(commit);
    }
    case "thinking_delta":
      turn.thinking += sanitize(event.delta);
      turn.status = "Thinking…";
      return app.render();
    case "tool_call": {
      const commit = [...flushThinking(app, turn), ...turn.markdown.end()];
      turn.tools.set(event.callId, {
        name: event.name,
        args: event.arguments,
        output: new LiveLines(),
      });
      turn.status = `Running ${oneLine(event.name)}…`;
      return app.render(commit);
    }
    case "tool_output": {
      // Whole lines: a chunk never runs into the line before it.
      turn.tools.get(event.callId)?.output.push(event.delta);
      return app.render();
    }
    case "tool_result": {
      const tool = turn.tools.get(event.callId);
      turn.tools.delete(event.callId);
      const call = tool ?? { name: event.name, args: {} };
      turn.status = "Working…";
      return app.render([
        formatToolLine(call, { text: event.output, isError: event.isError }, width, s),
      ]);
    }
    case "retry":
      turn.status = `Retrying in ${Math.ceil(event.delayMs / 1000)}s (${
        oneLine(event.reason).slice(0, 60)
      })…`;
      return app.render();
    case "usage":
      return app.render();
    case "account_switch":
      // --rotate-accounts: the same request went again on the next account (the meter follows).
      return app.render([
        s.yellow(`Usage limit on ${oneLine(event.from)}: continuing on ${oneLine(event.to)}`),
      ]);
    case "compaction":
      app.state.totals.contextTokens = event.tokensAfter;
      return app.render([s.dim(compactedLine(event.tokensBefore, event.tokensAfter))]);
    case "end": {
      const commit = [...flushThinking(app, turn), ...turn.markdown.end()];
      for (const tool of turn.tools.values()) {
        commit.push(formatToolLine(tool, { text: "(stopped)", isError: true }, width, s));
      }
      turn.tools.clear();
      if (event.reason === "error") {
        const why = oneLine(
          redact(`${event.error ?? "The model failed"}${event.hint ? `; ${event.hint}` : ""}`),
        );
        commit.push(s.red(`✗ ${why}`));
      } else if (event.reason === "max_turns") {
        commit.push(s.yellow(`! ${event.error}`));
      } else if (event.reason === "aborted") {
        // Esc at an approval question stops the turn (the agent loop's `Stopped: …`).
        const stopped = event.error?.startsWith("Stopped:") === true;
        commit.push(s.dim(stopped ? "Stopped at the approval question" : "Interrupted"));
      }
      app.state.turn = undefined;
      turn.detached = true;
      return app.render(commit);
    }
  }
}
