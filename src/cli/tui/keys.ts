/**
 * Raw terminal input → key events. A pure, incremental decoder: feed it the bytes of
 * each read and it returns the keys that are complete; an escape sequence or a UTF-8
 * character split across reads waits for the next read.
 *
 * Understood (what xterm, tmux, kitty, iTerm2 and the Linux console send):
 * - printable text, multi-byte UTF-8, and bracketed pastes (`\x1b[200~ … \x1b[201~`),
 *   each run of text as one `text` (or `paste`) event;
 * - Enter `\r`; a newline (Shift+Enter) as `\n` (Ctrl+J), `\x1b\r` (Alt+Enter),
 *   `\x1b[13;2u` (kitty / CSI u) or `\x1b[27;2;13~` (xterm modifyOtherKeys);
 * - Backspace (`\x7f`, `\b`), Delete, arrows, Home/End, PageUp/PageDown (CSI and SS3 forms,
 *   with modifiers: Ctrl/Alt+←/→ move by word);
 * - Ctrl+letter (`ctrl+a` …), Tab, Shift+Tab `\x1b[Z`, Escape, Alt+letter;
 * - Shift+Ctrl+P as `\x1b[112;6u` (kitty / CSI u; what tmux sends with `extended-keys`
 *   and `extended-keys-format csi-u`) or `\x1b[27;6;112~` (xterm modifyOtherKeys, the
 *   tmux 3.3 default format). Terminals that cannot tell Shift+Ctrl+P from Ctrl+P send
 *   `\x10`; Alt+P (`\x1bp`) is accepted as the same "previous model" key for them.
 *
 * A lone Escape is ambiguous (it starts every sequence): {@link KeyDecoder.feed} leaves it
 * pending and the caller calls {@link KeyDecoder.flush} after a short quiet time.
 * @module
 */

/** Names of non-text keys. */
export type KeyName =
  | "enter"
  | "newline"
  | "backspace"
  | "delete"
  | "up"
  | "down"
  | "left"
  | "right"
  | "home"
  | "end"
  | "pageup"
  | "pagedown"
  | "tab"
  | "shift+tab"
  | "escape"
  | "word-left"
  | "word-right"
  | "word-backspace"
  | "word-delete"
  | "ctrl+shift+p"
  | `ctrl+${string}`
  | `alt+${string}`
  | "unknown";

/** One key press (or one run of typed or pasted text). */
export type KeyEvent =
  | {
    /** Typed text: one or more printable characters. */
    type: "text";
    /** The characters. */
    text: string;
  }
  | {
    /** A bracketed paste; may contain newlines. */
    type: "paste";
    /** The pasted text (`\r\n` and `\r` normalised to `\n`). */
    text: string;
  }
  | {
    /** A named key. */
    type: "key";
    /** Which key. */
    name: KeyName;
    /** The bytes that made it, for debugging. */
    sequence: string;
  };

const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";

function key(name: KeyName, sequence: string): KeyEvent {
  return { type: "key", name, sequence };
}

/** Modifier bits of CSI parameters: value - 1 = shift 1 | alt 2 | ctrl 4. */
function modifiers(param: string | undefined): { shift: boolean; alt: boolean; ctrl: boolean } {
  const m = Math.max(0, (Number(param ?? "1") || 1) - 1);
  return { shift: (m & 1) !== 0, alt: (m & 2) !== 0, ctrl: (m & 4) !== 0 };
}

function withModifiers(base: KeyName, param: string | undefined, seq: string): KeyEvent {
  const { alt, ctrl } = modifiers(param);
  if (base === "left" && (alt || ctrl)) return key("word-left", seq);
  if (base === "right" && (alt || ctrl)) return key("word-right", seq);
  if (base === "delete" && (alt || ctrl)) return key("word-delete", seq);
  return key(base, seq);
}

/** A key given as a Unicode code point plus CSI modifiers (kitty `u`, xterm `27;m;c~`). */
function codepointKey(code: number, modParam: string | undefined, seq: string): KeyEvent {
  const { shift, alt, ctrl } = modifiers(modParam);
  if (code === 13) return key(shift || alt || ctrl ? "newline" : "enter", seq);
  if (code === 9) return key(shift ? "shift+tab" : "tab", seq);
  if (code === 27) return key("escape", seq);
  if (code === 127 || code === 8) return key(alt || ctrl ? "word-backspace" : "backspace", seq);
  const ch = String.fromCodePoint(code).toLowerCase();
  if (ctrl && shift && ch === "p") return key("ctrl+shift+p", seq);
  if (ctrl) return key(`ctrl+${ch}`, seq);
  if (alt) return key(`alt+${ch}`, seq);
  return { type: "text", text: shift ? ch.toUpperCase() : String.fromCodePoint(code) };
}

const CSI_TILDE: Record<string, KeyName> = {
  "1": "home",
  "7": "home",
  "4": "end",
  "8": "end",
  "2": "unknown", // Insert
  "3": "delete",
  "5": "pageup",
  "6": "pagedown",
};

const CSI_LETTER: Record<string, KeyName> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
};

/** Decodes one complete CSI sequence (`\x1b[` params final). */
function decodeCsi(seq: string): KeyEvent {
  const body = seq.slice(2, -1);
  const final = seq[seq.length - 1];
  const params = body.split(";");
  if (final === "Z") return key("shift+tab", seq);
  if (final in CSI_LETTER) return withModifiers(CSI_LETTER[final], params[1], seq);
  if (final === "~") {
    if (params[0] === "27" && params.length >= 3) {
      return codepointKey(Number(params[2]), params[1], seq);
    }
    const name = CSI_TILDE[params[0]];
    return name ? withModifiers(name, params[1], seq) : key("unknown", seq);
  }
  if (final === "u") {
    const code = Number(params[0].split(":")[0]);
    if (Number.isFinite(code) && code > 0) return codepointKey(code, params[1], seq);
  }
  return key("unknown", seq);
}

/** Decodes a single control character (below 0x20, or 0x7f). */
function decodeControl(ch: string): KeyEvent {
  const code = ch.charCodeAt(0);
  switch (code) {
    case 13:
      return key("enter", ch);
    case 10:
      return key("newline", ch);
    case 9:
      return key("tab", ch);
    case 8:
    case 127:
      return key("backspace", ch);
    case 0:
      return key("ctrl+space", ch);
    case 27:
      return key("escape", ch);
  }
  if (code >= 1 && code <= 26) return key(`ctrl+${String.fromCharCode(code + 96)}`, ch);
  return key("unknown", ch);
}

/**
 * Where the escape sequence starting at `i` ends (exclusive), or -1 when it is not
 * complete yet.
 */
function sequenceEnd(s: string, i: number): number {
  const next = s[i + 1];
  if (next === undefined) return -1;
  if (next === "[") {
    for (let j = i + 2; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c >= 0x40 && c <= 0x7e) return j + 1;
      if (c < 0x20 || c > 0x7e) return j; // malformed: stop before the stray byte
    }
    return -1;
  }
  if (next === "O") return i + 3 <= s.length ? i + 3 : -1;
  if (next === "\x1b") {
    // Alt+<sequence> (some terminals): treat as the inner sequence.
    const inner = sequenceEnd(s, i + 1);
    return inner;
  }
  // Alt+char: one code point.
  const cp = s.codePointAt(i + 1)!;
  return i + 1 + (cp > 0xffff ? 2 : 1);
}

function decodeEscape(seq: string): KeyEvent {
  if (seq.startsWith("\x1b[")) return decodeCsi(seq);
  if (seq.startsWith("\x1bO")) {
    const name = CSI_LETTER[seq[2]];
    return name ? key(name, seq) : key("unknown", seq);
  }
  if (seq.startsWith("\x1b\x1b")) return decodeEscape(seq.slice(1));
  const rest = seq.slice(1);
  if (rest === "\r") return key("newline", seq);
  if (rest === "\x7f" || rest === "\b") return key("word-backspace", seq);
  if (rest === "b") return key("word-left", seq);
  if (rest === "f") return key("word-right", seq);
  if (rest === "d") return key("word-delete", seq);
  if (rest === "p" || rest === "P") return key("ctrl+shift+p", seq);
  if (rest.charCodeAt(0) < 0x20) {
    const inner = decodeControl(rest);
    return key(inner.type === "key" ? `alt+${inner.name}` : "unknown", seq);
  }
  return key(`alt+${rest.toLowerCase()}`, seq);
}

/** An incremental decoder of terminal input. */
export class KeyDecoder {
  #decoder = new TextDecoder();
  #buffer = "";
  #paste: string | undefined;

  /** Decodes the next chunk of input; returns the keys completed by it. */
  feed(bytes: Uint8Array): KeyEvent[] {
    this.#buffer += this.#decoder.decode(bytes, { stream: true });
    return this.#drain(false);
  }

  /** Whether input is waiting for more bytes (a lone Escape, a partial sequence). */
  get pending(): boolean {
    return this.#buffer.length > 0;
  }

  /** Ends what is pending: a lone Escape becomes the Escape key. */
  flush(): KeyEvent[] {
    return this.#drain(true);
  }

  #drain(final: boolean): KeyEvent[] {
    const out: KeyEvent[] = [];
    const s = this.#buffer;
    let i = 0;
    let text = "";
    const pushText = () => {
      if (text) out.push({ type: "text", text });
      text = "";
    };
    while (i < s.length) {
      if (this.#paste !== undefined) {
        const end = s.indexOf(PASTE_END, i);
        if (end === -1) {
          // Keep a possible partial end marker for the next read.
          let keep = 0;
          for (let k = Math.min(PASTE_END.length - 1, s.length - i); k > 0; k--) {
            if (PASTE_END.startsWith(s.slice(s.length - k))) {
              keep = k;
              break;
            }
          }
          this.#paste += s.slice(i, s.length - keep);
          i = s.length - keep;
          break;
        }
        this.#paste += s.slice(i, end);
        out.push({ type: "paste", text: this.#paste.replace(/\r\n?/g, "\n") });
        this.#paste = undefined;
        i = end + PASTE_END.length;
        continue;
      }
      const ch = s[i];
      const code = ch.charCodeAt(0);
      if (code === 0x1b) {
        const end = sequenceEnd(s, i);
        if (end === -1) {
          if (!final) break;
          // A lone Escape, or a sequence that never completed.
          pushText();
          if (i + 1 === s.length) out.push(key("escape", ch));
          else out.push(key("unknown", s.slice(i)));
          i = s.length;
          continue;
        }
        pushText();
        const seq = s.slice(i, end);
        i = end;
        if (seq === PASTE_START) {
          this.#paste = "";
          continue;
        }
        out.push(decodeEscape(seq));
        continue;
      }
      if (code < 0x20 || code === 0x7f) {
        pushText();
        out.push(decodeControl(ch));
        i++;
        continue;
      }
      text += ch;
      i++;
    }
    pushText();
    this.#buffer = s.slice(i);
    return out;
  }
}

/** Decodes a whole input at once (tests, and the end of input). */
export function decodeKeys(input: string | Uint8Array): KeyEvent[] {
  const decoder = new KeyDecoder();
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  return [...decoder.feed(bytes), ...decoder.flush()];
}
