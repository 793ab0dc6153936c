/**
 * The subscription meter of the interactive screen: the active ChatGPT account's used
 * percent of each rate-limit window (from its latest snapshot in usage.json, which comes
 * with every answer's headers) for the status line, the account's name when more than one
 * is logged in, and the warning said before a turn once a window is at 90 % or more (once
 * per crossing: it is said again only after the window went below 90 % and back). The
 * same windows, short, in the /account menu and /usage's list of the other accounts.
 * @module
 */

import type { RateLimitWindow, UsageSnapshot } from "../../ai/types.ts";
import type { UsageSnapshotStore } from "../../ai/usage.ts";
import { ACCOUNT_PROVIDER, accountEntry } from "../../auth/accounts.ts";
import type { AuthStorage } from "../../auth/auth_storage.ts";
import { oneLine } from "../../one_line.ts";
import type { AccountStatus } from "../account_status.ts";
import { accountUsage } from "../account_status.ts";
import { formatLocalTime, formatRelative } from "../age.ts";
import { type StatusLimit, USAGE_HIGH_PERCENT } from "../render.ts";

/** One window of a snapshot as the meter shows it. */
export interface MeterWindow extends StatusLimit {
  /** `primary` or `secondary`. */
  which: "primary" | "secondary";
  /** When it resets, epoch ms, when known. */
  resetsAt?: number;
}

/** A window's length, short: 300 minutes → `5h`, 10080 → `7d`; else its name. */
export function windowLabel(minutes: number | undefined, which: string): string {
  const m = Number(minutes);
  if (minutes === undefined || !Number.isFinite(m) || m <= 0) return which;
  if (m >= 1440 && m % 1440 === 0) return `${m / 1440}d`;
  if (m >= 60 && m % 60 === 0) return `${m / 60}h`;
  if (m >= 1440) return `${Math.round(m / 1440)}d`;
  if (m >= 60) return `${Math.round(m / 60)}h`;
  return `${m}m`;
}

/**
 * The windows of a snapshot that still hold at `now` (one whose reset time has passed says
 * nothing any more), primary first, with the used percent rounded.
 */
export function meterWindows(
  snapshot: UsageSnapshot | null | undefined,
  now: number,
): MeterWindow[] {
  if (!snapshot) return [];
  const out: MeterWindow[] = [];
  const pairs: [MeterWindow["which"], RateLimitWindow | undefined][] = [
    ["primary", snapshot.primary],
    ["secondary", snapshot.secondary],
  ];
  for (const [which, w] of pairs) {
    const used = Number(w?.usedPercent);
    if (!w || !Number.isFinite(used)) continue;
    const resetsAt = Number(w.resetsAt);
    const known = w.resetsAt !== undefined && Number.isFinite(resetsAt);
    if (known && resetsAt <= now) continue;
    const window: MeterWindow = {
      which,
      label: windowLabel(w.windowMinutes, which),
      usedPercent: Math.round(used),
    };
    if (known) window.resetsAt = resetsAt;
    out.push(window);
  }
  return out;
}

/** `5h 45% · 7d 12%`, or `no usage seen yet`. */
export function formatWindows(windows: readonly MeterWindow[]): string {
  if (windows.length === 0) return "no usage seen yet";
  return windows.map((w) => `${w.label} ${w.usedPercent}%`).join(" · ");
}

/** `92% of the 5h limit used (resets 14:05, in 47m)`. */
function windowWarning(w: MeterWindow, now: number): string {
  const reset = w.resetsAt === undefined
    ? ""
    : ` (resets ${formatLocalTime(w.resetsAt, now)}, in ${formatRelative(w.resetsAt - now)})`;
  return `${w.usedPercent}% of the ${w.label} limit used${reset}`;
}

/**
 * The warning before a turn for the windows at 90 % or more:
 * `work: 92% of the 5h limit used (resets 14:05, in 47m) · /account switches`.
 */
export function limitWarning(
  high: readonly MeterWindow[],
  options: { account?: string; others: number; now: number },
): string {
  const who = options.account === undefined ? "" : `${oneLine(options.account)}: `;
  const what = high.map((w) => windowWarning(w, options.now)).join(", ");
  const next = options.others > 0 ? " · /account switches" : "";
  return `${who}${what}${next}`;
}

/**
 * A line about one account for menus and lists: `bob@example.com · pro · 5h 45% · 7d 12%`.
 */
export function accountSummary(account: AccountStatus, now: number): string {
  const who = [account.email, account.plan].filter((x): x is string => !!x).map(oneLine);
  return [...who, formatWindows(meterWindows(account.usage, now))].join(" · ");
}

/** What the status line shows of the subscription. */
export interface MeterStatus {
  /** The active account, when more than one is logged in. */
  account?: string;
  /** Its windows (none when no snapshot is known or they reset since). */
  limits: MeterWindow[];
}

/**
 * The meter of one screen: which account is active, how many are logged in, and the
 * latest snapshot of the active one. It follows account switches (/account, a rotation)
 * and new snapshots, and calls `onChange` so the screen redraws.
 */
export class AccountMeter {
  readonly #auth: AuthStorage;
  readonly #usage: UsageSnapshotStore;
  #accounts: { name: string; accountId: string | null }[] = [];
  readonly #warned = new Set<string>();
  readonly #stop: (() => void)[] = [];

  /** A meter over `auth`'s accounts and `usage`'s snapshots. */
  constructor(auth: AuthStorage, usage: UsageSnapshotStore, onChange: () => void) {
    this.#auth = auth;
    this.#usage = usage;
    this.refresh();
    this.#stop.push(
      auth.onAccountChange(() => {
        this.refresh();
        onChange();
      }),
      usage.subscribe(() => onChange()),
    );
  }

  /** Reads the logged-in accounts again (after a login, a logout, a switch). */
  refresh(): void {
    try {
      this.#accounts = this.#auth.accounts().map((a) => ({
        name: a.name,
        accountId: a.accountId ?? null,
      }));
    } catch {
      this.#accounts = []; // an unreadable auth.json is said where it is used
    }
  }

  /** The active account's name. */
  get active(): string {
    return this.#auth.activeAccount();
  }

  /** How many ChatGPT accounts are logged in. */
  get count(): number {
    return this.#accounts.length;
  }

  /** The active account's windows at `now`. */
  windows(now: number): MeterWindow[] {
    const name = this.active;
    const known = this.#accounts.find((a) => a.name === name);
    const snapshot = known
      ? accountUsage(this.#usage, accountEntry(name), known.accountId)
      : this.#usage.latest(accountEntry(name));
    return meterWindows(snapshot, now);
  }

  /** The status line's part for a model of `provider` (nothing for other providers). */
  status(provider: string, now: number): MeterStatus {
    if (provider !== ACCOUNT_PROVIDER) return { limits: [] };
    const status: MeterStatus = { limits: this.windows(now) };
    if (this.count > 1) status.account = this.active;
    return status;
  }

  /**
   * The warning to say before a turn on a model of `provider`, if a window of the active
   * account is at 90 % or more and was not said since it crossed; undefined otherwise.
   */
  warning(provider: string, now: number): string | undefined {
    if (provider !== ACCOUNT_PROVIDER) return undefined;
    this.refresh(); // an account logged in or out since (/login, /logout) counts
    const name = this.active;
    const windows = this.windows(now);
    const high: MeterWindow[] = [];
    for (const which of ["primary", "secondary"] as const) {
      const key = `${name}\n${which}`;
      const w = windows.find((x) => x.which === which);
      if (!w || w.usedPercent < USAGE_HIGH_PERCENT) {
        this.#warned.delete(key); // below again (or reset): the next crossing is said
      } else if (!this.#warned.has(key)) {
        this.#warned.add(key);
        high.push(w);
      }
    }
    if (high.length === 0) return undefined;
    return limitWarning(high, {
      ...(this.count > 1 ? { account: name } : {}),
      others: this.#accounts.filter((a) => a.name !== name).length,
      now,
    });
  }

  /** Stops following switches and snapshots. */
  close(): void {
    for (const stop of this.#stop.splice(0)) stop();
  }
}
