/**
 * Sessions on the screen, for `-r`, /resume, /fork, /name and /rewind: the picker of the
 * current directory's sessions, the picker of this conversation's user messages, switching
 * the screen to another session (its model and thinking level with it), and what a
 * continued session shows (where it was). The session code itself (src/agent/) is imported
 * when a command needs it, so that the prompt is ready fast.
 * @module
 */

import type { SessionRunner } from "../../agent/session_runner.ts";
import type { SessionInfo } from "../../agent/session_list.ts";
import type { UserMessageRef } from "../../agent/sessions.ts";
import { oneLine } from "../../one_line.ts";
import { sanitize } from "../render.ts";
import { age } from "../age.ts";
import { continuedSelection, type ExplicitChoice } from "../model_selection.ts";
import type { MenuItem } from "../tui/select_menu.ts";
import type { App } from "./app.ts";
import { recentLines } from "./recent.ts";

/** A session id as the screen says it: its first 8 characters, as `pi sessions` lists it. */
export function short(id: string): string {
  return oneLine(id.slice(0, 8));
}

/** What a continued session shows: its file and size, its last messages, model and level. */
export function continuedLines(
  app: App,
  runner: SessionRunner,
  options: { verb: string },
): string[] {
  const { verb } = options;
  const s = app.style;
  const model = app.state.model;
  const lines: string[] = [];
  if (runner.warning !== undefined) lines.push(s.yellow(`! ${oneLine(runner.warning)}`));
  lines.push(
    s.dim(`${verb} ${oneLine(runner.path ?? runner.id)} (${runner.messages.length} messages)`),
    ...recentLines(runner.messages, { width: app.width(), style: s }),
    s.dim(`Model: ${oneLine(model.provider)}/${oneLine(model.id)} · thinking ${app.level()}`),
  );
  return lines;
}

/**
 * Makes `runner` the screen's session: the one before is closed (it stays saved as it is),
 * the counters are the new session's, and the model and thinking level are the session's
 * unless `explicit` says the flags chose them (the chosen ones stay). Returns the one line
 * to say when the session's model cannot be used here.
 */
export function adoptSession(
  app: App,
  runner: SessionRunner,
  explicit: ExplicitChoice = { model: false, thinking: false },
): string | undefined {
  const state = app.state;
  if (state.runner !== runner) state.runner?.close();
  state.runner = runner;
  state.sessionId = runner.id;
  state.totals = runner.totals();
  const before = state.model;
  const thinking = app.requestedThinking();
  const chosen = continuedSelection(
    app.registry,
    { model: before, scope: app.scope, ...(thinking !== undefined ? { thinking } : {}) },
    explicit,
    runner.restored,
  );
  state.model = chosen.model;
  // A `--models` entry's `:level` is for its model only.
  if (chosen.model !== before) state.modelThinking = undefined;
  if (chosen.thinkingFromSession) {
    state.thinking = chosen.thinking;
    state.modelThinking = undefined;
  }
  return chosen.notice;
}

/**
 * The picker's rows: age, messages and model in columns, then the name or the first message
 * (one line each); the session running now says `current`, a fork names its parent.
 * Typing filters on what is shown.
 */
export function sessionItems(
  sessions: readonly SessionInfo[],
  options: { now: number; current?: string },
): MenuItem<SessionInfo>[] {
  const digits = Math.max(...sessions.map((s) => String(s.messages).length));
  const cells = sessions.map((s) => [
    age(s.modified, options.now),
    `${String(s.messages).padStart(digits)} ${s.messages === 1 ? "msg " : "msgs"}`,
    oneLine(s.model?.slice(s.model.indexOf("/") + 1) ?? "-"),
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...cells.map((c) => c[i].length)));
  return sessions.map((s, i) => {
    const [when, count, model] = cells[i];
    // Only the start of a long message can be shown (and is worth cleaning).
    const title = oneLine((s.name ?? s.firstMessage ?? "(no messages)").slice(0, 300));
    const item: MenuItem<SessionInfo> = {
      label: `${when.padEnd(widths[0])}  ${count.padEnd(widths[1])}  ${
        model.padEnd(widths[2])
      }  ${title}`,
      value: s,
    };
    const hints = [
      ...(s.id === options.current ? ["current"] : []),
      ...(s.parentSession !== undefined ? [`fork of ${short(s.parentSession)}`] : []),
    ];
    if (hints.length > 0) item.hint = hints.join(", ");
    return item;
  });
}

/** The current directory's saved sessions, newest first. */
async function listCwdSessions(app: App): Promise<SessionInfo[]> {
  const { listSessions } = await import("../../agent/session_list.ts");
  return listSessions(app.deps.agentDir, { cwd: app.cwd });
}

/**
 * The current directory's saved sessions (`sessions`, else listed now), newest first, in a
 * picker titled `title` (type to filter).
 * `sessions` is empty when there are none (nothing was shown); `picked` is undefined when
 * the picker was cancelled.
 */
export async function pickSession(
  app: App,
  options: { title: string; sessions?: SessionInfo[] },
): Promise<{ sessions: SessionInfo[]; picked?: SessionInfo }> {
  const { title } = options;
  const sessions = options.sessions ?? await listCwdSessions(app);
  if (sessions.length === 0) return { sessions };
  const current = app.state.runner?.path !== undefined ? app.state.sessionId : undefined;
  const items = sessionItems(sessions, { now: app.deps.now(), ...(current ? { current } : {}) });
  // The newest session other than this one is highlighted first.
  const picked = await app.menu(title, items, {
    initial: Math.max(0, sessions.findIndex((s) => s.id !== current)),
  });
  return picked ? { sessions, picked } : { sessions };
}

/**
 * The file of the session running now, when it has been written (after its first prompt or
 * name); undefined before, and with `--no-session`.
 */
export function savedSessionPath(app: App): string | undefined {
  const path = app.state.runner?.path;
  if (path === undefined) return undefined;
  try {
    return Deno.statSync(path).isFile ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The saved file of the session running now and the user messages on its conversation path,
 * for /fork and /rewind (`what` is the verb); undefined, said in one line, when there are none
 * (nothing saved yet, or `--no-session`).
 */
export async function savedUserMessages(
  app: App,
  what: string,
): Promise<{ path: string; users: UserMessageRef[] } | undefined> {
  const path = savedSessionPath(app);
  if (path !== undefined) {
    const { readSessionFile } = await import("../../agent/session_store.ts");
    const { userMessages } = await import("../../agent/sessions.ts");
    const users = userMessages(await readSessionFile(path));
    if (users.length > 0) return { path, users };
  }
  app.info(
    app.noSession
      ? `Nothing to ${what}: this session is not saved (--no-session)`
      : `Nothing to ${what} yet: no message was sent in this session`,
  );
  return undefined;
}

/** Puts a message's text back in the editor, to edit and send on the new branch. */
export function editAgain(app: App, text: string): void {
  app.state.kept = false;
  app.state.suggested = false;
  app.editor.setText(sanitize(text));
}

/**
 * A picker of the user messages on the conversation path, newest first (`#n` is the number
 * `pi rewind` takes); resolves with the one picked, undefined when cancelled.
 */
export async function pickUserMessage(
  app: App,
  users: readonly UserMessageRef[],
  options: { title: string },
): Promise<UserMessageRef | undefined> {
  const { title } = options;
  const items = [...users].reverse().map((m) => ({
    label: `#${m.n}  ${oneLine(m.text.slice(0, 300)) || "(no text)"}`,
    value: m,
  }));
  return await app.menu(title, items);
}

/**
 * `pi -r`: the picker of the current directory's sessions before the screen starts. The
 * session picked becomes the screen's (its model and thinking level unless `explicit` says
 * the flags chose them); with no saved session a new one starts and says so. Resolves with
 * undefined to go on, or with the exit code: 0 when the picker was cancelled (nothing was
 * changed; it says `No session selected`, as pi-mono does), or the code pi exited with
 * meanwhile (a signal).
 */
export async function resumeAtStart(
  app: App,
  explicit: ExplicitChoice,
): Promise<number | undefined> {
  // A line above the picker says whose sessions these are (and keeps the live region off
  // the screen's first row, where tmux takes erasing it for clearing the screen into its
  // history, one copy of the picker per key).
  const sessions = await listCwdSessions(app);
  if (sessions.length === 0) {
    app.state.notices.push(`No saved sessions in ${app.cwd}: starting a new one`);
    return undefined;
  }
  app.print(app.style.dim(`Sessions of ${oneLine(app.cwd)}`));
  const outcome = await Promise.race([
    pickSession(app, { title: "Resume a session of this directory", sessions }),
    app.exited.then((code) => ({ exit: code })),
  ]);
  if ("exit" in outcome) return outcome.exit;
  if (outcome.picked === undefined) {
    app.print(app.style.dim("No session selected"));
    return 0;
  }
  const { SessionRunner } = await import("../../agent/session_runner.ts");
  const runner = await SessionRunner.open(app.runnerOptions(), outcome.picked.path);
  const notice = adoptSession(app, runner, explicit);
  if (notice !== undefined) app.state.notices.push(notice);
  return undefined;
}
