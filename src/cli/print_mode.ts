/**
 * Print mode (`pi -p "msg"`, `echo msg | pi -p`, or any run whose stdout is not a terminal):
 * one prompt, tools included, then exit. Text mode writes the final answer to stdout and,
 * only when stderr is a terminal, tool activity to stderr. `--mode json` writes every agent
 * event as one JSON object per line (README: "JSON output"). The conversation is saved as a
 * session unless `--no-session`; `--continue` resumes the newest session of the cwd.
 * @module
 */

import { type AgentEvent, DEFAULT_MAX_TURNS, runAgent } from "../agent/agent_loop.ts";
import {
  findLatestSession,
  readSession,
  SessionWriter,
  uuidFromBytes,
} from "../agent/session_store.ts";
import { buildSystemPrompt, loadContextFiles } from "../agent/system_prompt.ts";
import { BUILTIN_TOOLS } from "../agent/tools/mod.ts";
import { missingKeyError, stream } from "../ai/stream.ts";
import type { Message } from "../ai/types.ts";
import type { Deps } from "../deps.ts";
import { PiError, type PiErrorCode } from "../errors.ts";
import type { OptionValues } from "./args.ts";
import type { RunContext } from "./model_selection.ts";
import { openUsageStore } from "./usage_store.ts";
import { secretRedactor } from "./secrets.ts";
import { createStyle, formatToolLine, wantsColor } from "./render.ts";

/** Version of the `--mode json` line format (README: "JSON output"). */
export const JSON_FORMAT_VERSION = 1;

/** What a print-mode run needs besides Deps. */
export interface PrintModeOptions {
  /** The prompt. */
  message: string;
  /** Parsed options of the root command. */
  options: OptionValues;
  /** Ctrl+C. */
  signal: AbortSignal;
  /** Credentials, models and the selected model (from `openRunContext`). */
  context: RunContext;
  /** The working directory (default `Deno.cwd()`). */
  cwd?: string;
  /** Turn limit per prompt (default {@link DEFAULT_MAX_TURNS}). */
  maxTurns?: number;
}

/** Renders tool activity on stderr (only used when stderr is a terminal). */
function progressRenderer(deps: Deps): (event: AgentEvent) => void {
  const style = createStyle(wantsColor(deps.env));
  const width = Math.max(40, Math.min(160, terminalColumns() ?? 100));
  const calls = new Map<string, { name: string; args: Record<string, unknown> }>();
  return (event) => {
    switch (event.type) {
      case "tool_call":
        calls.set(event.callId, { name: event.name, args: event.arguments });
        deps.stderr.write(
          formatToolLine({ name: event.name, args: event.arguments }, undefined, width, style) +
            "\n",
        );
        break;
      case "tool_result": {
        const call = calls.get(event.callId) ?? { name: event.name, args: {} };
        deps.stderr.write(
          formatToolLine(call, { text: event.output, isError: event.isError }, width, style) +
            "\n",
        );
        break;
      }
      case "retry":
        deps.stderr.write(
          style.yellow(
            `Retrying in ${
              Math.round(event.delayMs / 100) / 10
            } s (attempt ${event.attempt}): ${event.reason}`,
          ) + "\n",
        );
        break;
    }
  };
}

function terminalColumns(): number | undefined {
  try {
    return Deno.consoleSize().columns || undefined;
  } catch {
    return undefined;
  }
}

/** Runs one prompt in print mode; returns the exit code or throws a PiError. */
export async function runPrintMode(deps: Deps, options: PrintModeOptions): Promise<number> {
  const { signal } = options;
  const json = options.options.mode === "json";
  const cwd = options.cwd ?? Deno.cwd();
  const { authStorage: auth, model } = options.context;
  const usageStore = openUsageStore(deps);
  const modelName = `${model.provider}/${model.id}`;

  // The session: continue the newest one of this cwd, or start a new one.
  let history: Message[] = [];
  let sessionId: string | undefined;
  let writer: SessionWriter<Message> | undefined;
  // No key (or a refused one): say so before anything is written.
  if (await auth.getApiKey(model.provider, { signal }) === undefined) {
    throw missingKeyError(model.provider);
  }
  const noSession = options.options["no-session"] === true;
  if (options.options.continue === true) {
    const latest = await findLatestSession(deps.agentDir, cwd);
    if (latest === undefined) {
      deps.stderr.write(`pi: no earlier session in ${cwd}; starting a new one\n`);
    } else {
      const loaded = await readSession<Message>(latest);
      history = loaded.messages;
      sessionId = loaded.header.id;
      if (!noSession) {
        writer = await SessionWriter.resume(loaded);
        if (loaded.model !== modelName) {
          writer.append({
            type: "model",
            timestamp: new Date(deps.now()).toISOString(),
            model: modelName,
          });
        }
      }
    }
  }
  sessionId ??= uuidFromBytes(deps.randomBytes(16));
  if (!noSession && writer === undefined) {
    writer = await SessionWriter.create<Message>({
      agentDir: deps.agentDir,
      cwd,
      model: modelName,
      id: sessionId,
      now: deps.now(),
    });
  }

  try {
    const contextFiles = await loadContextFiles(deps.agentDir, cwd);
    const systemPrompt = buildSystemPrompt({
      cwd,
      now: deps.now(),
      tools: BUILTIN_TOOLS,
      contextFiles,
    });
    const progress = !json && deps.stderr.isTerminal() ? progressRenderer(deps) : undefined;
    if (json) {
      deps.stdout.write(
        JSON.stringify({
          type: "session",
          version: JSON_FORMAT_VERSION,
          id: sessionId,
          model: modelName,
          cwd,
          continued: history.length > 0,
          path: writer?.path ?? null,
        }) + "\n",
      );
    }
    let end: Extract<AgentEvent, { type: "end" }> | undefined;
    const events = runAgent(history, { role: "user", content: options.message }, {
      stream: (context, { signal }) =>
        stream(model, context, {
          keys: auth,
          deps,
          signal,
          sessionId,
          reasoning: options.context.thinking,
          usageStore,
        }),
      systemPrompt,
      tools: BUILTIN_TOOLS,
      cwd,
      redact: secretRedactor(auth, deps, [options.options["api-key"] as string | undefined]),
      signal,
      maxTurns: options.maxTurns ?? DEFAULT_MAX_TURNS,
      supportsImages: model.inputs.includes("image"),
    });
    for await (const event of events) {
      if (event.type === "message") writer?.appendMessage(event.message, deps.now());
      else if (event.type === "usage") {
        writer?.append({
          type: "usage",
          timestamp: new Date(deps.now()).toISOString(),
          model: modelName,
          usage: event.usage,
        });
      } else if (event.type === "end") end = event;
      else if (event.type === "account_switch" && !json) {
        deps.stderr.write(
          `pi: account ${event.from} hit its usage limit (${event.reason}); sending the request again on account ${event.to}\n`,
        );
      }
      if (json) deps.stdout.write(JSON.stringify(event) + "\n");
      else progress?.(event);
    }
    if (!end) throw new PiError("agent.failed", "The agent ended without a result");
    if (end.reason === "aborted") {
      throw signal.reason instanceof PiError
        ? signal.reason
        : new PiError("interrupted", "Interrupted");
    }
    if (!json && end.text !== "") {
      deps.stdout.write(end.text.endsWith("\n") ? end.text : `${end.text}\n`);
    }
    if (end.reason === "max_turns") {
      throw new PiError("agent.failed", end.error ?? "Too many turns", {
        hint: "continue with pi --continue",
      });
    }
    if (end.reason === "error") {
      throw new PiError(
        (end.errorCode ?? "agent.failed") as PiErrorCode,
        end.error ?? "The model failed",
        end.hint === undefined ? {} : { hint: end.hint },
      );
    }
    return 0;
  } finally {
    writer?.close();
  }
}
