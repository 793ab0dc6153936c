/**
 * A question answered with one line of text (the login's paste prompt): the question in
 * bold, then a line editor. Enter answers, except on an empty line, which is no answer (the
 * prompt stays and keys typed next still reach it); Escape or Ctrl+C cancel. No I/O.
 * @module
 */

import type { KeyEvent } from "./keys.ts";
import { LineEditor } from "./line_editor.ts";
import type { Style } from "./style.ts";
import type { KeyResult, Widget, WidgetView } from "./widget.ts";

/** A one-line text question as a {@link Widget}. */
export class TextPrompt implements Widget<string> {
  /** The question shown above the editor. */
  readonly label: string;
  /** The text typed so far. */
  readonly editor: LineEditor = new LineEditor();
  #value: string | undefined;

  /** A prompt asking `label`. */
  constructor(label: string) {
    this.label = label;
  }

  /** The answer, once a key finished the prompt. */
  get value(): string | undefined {
    return this.#value;
  }

  /** The question, then the text after `> `, with the cursor in it. */
  render(width: number, style: Style): WidgetView {
    const view = this.editor.render(width, "> ", "  ");
    return {
      rows: [style.bold(this.label), ...view.rows],
      cursor: { row: 1 + view.cursorRow, col: view.cursorCol },
    };
  }

  /** Edits the text; Enter on a non-empty line answers; Escape or Ctrl+C cancel. */
  onKey(key: KeyEvent): KeyResult {
    if (key.type === "key" && (key.name === "escape" || key.name === "ctrl+c")) return "cancel";
    const result = this.editor.onKey(key);
    if (result.type === "submit" && result.text.trim() !== "") {
      this.#value = result.text;
      return "done";
    }
    return "handled";
  }
}
