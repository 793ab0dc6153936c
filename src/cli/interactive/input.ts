/**
 * The screen's keys, decided in one place ({@link onKey}): Ctrl+C and Escape first
 * ({@link interrupt}), then an open menu or prompt takes the key, then the editor's keys
 * (Enter sends, Ctrl+D exits on an empty prompt, Ctrl+P / Shift+Ctrl+P cycle the model,
 * Shift+Tab the thinking level, Ctrl+T shows thinking, Ctrl+L redraws, Tab completes a
 * slash command).
 * @module
 */

import { PiError } from "../../errors.ts";
import type { KeyEvent } from "../tui/keys.ts";
import { formatThinking } from "../render.ts";
import type { App } from "./app.ts";
import { completeCommand } from "./commands.ts";
import { cycleModel, cycleThinking } from "./models.ts";
import { cancelTurn } from "./turn.ts";

/** Applies one key to the screen. */
export function onKey(app: App, key: KeyEvent): void {
  const state = app.state;
  const isKey = (name: string) => key.type === "key" && key.name === name;
  if (!isKey("ctrl+c")) state.exitArmed = false;
  if (state.hint && !state.hint.sticky) state.hint = undefined;
  if (key.type === "key" && (key.name === "ctrl+c" || key.name === "escape")) {
    return interrupt(app, key.name);
  }
  // An open menu or prompt takes the other keys.
  if (app.host.onKey(key) !== "none") return app.render();
  const editor = app.editor;
  if (key.type === "key") {
    switch (key.name) {
      case "ctrl+d":
        // The offered "/login" is not the user's text: Ctrl+D still exits.
        if (editor.text === "" || state.suggested) return app.exit(0);
        editor.onKey({ type: "key", name: "delete", sequence: "" });
        return app.render();
      case "ctrl+p":
        return cycleModel(app, 1);
      case "ctrl+shift+p":
        return cycleModel(app, -1);
      case "shift+tab":
        return cycleThinking(app);
      case "ctrl+t":
        state.showThinking = !state.showThinking;
        app.setHint(state.showThinking ? "Thinking is shown" : "Thinking is collapsed");
        if (state.showThinking && state.lastThinking !== "" && !state.turn) {
          // Expand the thinking collapsed last.
          const lines = formatThinking(state.lastThinking, true, app.width(), app.style);
          state.lastThinking = "";
          return app.render(lines);
        }
        return app.render();
      case "ctrl+l":
        return app.onResize();
      case "tab":
        return complete(app);
      case "enter":
        if (editor.text.endsWith("\\")) break;
        if (app.working) {
          app.setHint("Still working: wait, or Ctrl+C to cancel", () => app.working);
          return app.render();
        }
        break;
    }
  }
  if (state.suggested || state.kept) {
    // An offered "/login" or a kept message: Enter takes it, typing (or deleting)
    // replaces it, moving the cursor keeps it for editing.
    state.suggested = false;
    state.kept = false;
    const replace = key.type === "text" || key.type === "paste" ||
      isKey("backspace") || isKey("delete") || isKey("ctrl+w") || isKey("word-backspace");
    if (replace) {
      editor.setText("");
      if (key.type === "key") return app.render();
    }
  }
  // Typing ahead while a turn runs: an approval question that opens now holds its keys a moment.
  if (app.working) state.typedAt = app.deps.now();
  const result = editor.onKey(key);
  if (result.type === "submit") return app.submit(result.text);
  app.render();
}

/**
 * Ctrl+C and Escape, decided here only. An open menu or prompt closes first (Escape stops
 * there); then the running turn is cancelled, or the work running outside a turn (a login,
 * a compaction) is aborted; Escape does nothing more. On an idle screen Ctrl+C clears the
 * editor, and on an empty one arms the exit: pressed again, it exits.
 */
function interrupt(app: App, name: "ctrl+c" | "escape"): void {
  const state = app.state;
  const closed = app.host.close();
  if (closed && name === "escape") return app.render();
  if (state.turn) return cancelTurn(app);
  if (state.work) {
    state.work.controller.abort(new PiError("interrupted", "Cancelled"));
    return app.render();
  }
  if (closed || name === "escape") return app.render();
  if (app.editor.text !== "") {
    app.editor.setText("");
    state.suggested = false;
    state.kept = false;
    return app.render();
  }
  if (state.exitArmed) return app.exit(0);
  state.exitArmed = true;
  app.setHint("Press Ctrl+C again to exit (or Ctrl+D)", () => state.exitArmed);
  app.render();
}

/** Tab: completes the slash command (or its argument) being typed, or lists the choices. */
function complete(app: App): void {
  const done = completeCommand(app.commands, app.editor.text, app);
  if (done === undefined) return;
  if (done.text !== undefined) app.editor.setText(done.text);
  if (done.choices !== undefined) app.setHint(done.choices.join("  "));
  app.render();
}
