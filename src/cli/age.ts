/**
 * Times as pi's lists and reports show them, short: how long ago (`pi sessions`, the session
 * picker), a local time and a duration (rate-limit resets: /usage, `pi auth status`, the
 * meter's warning). No I/O: `now` is passed in.
 * @module
 */

/** `now`, `5m ago`, `3h ago`, `2d ago`, then the date. */
export function age(when: string, now: number): string {
  const t = Date.parse(when);
  if (Number.isNaN(t)) return "?";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return "now";
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  if (s < 30 * 86_400) return `${Math.floor(s / 86_400)}d ago`;
  return new Date(t).toISOString().slice(0, 10);
}

/** A local time: `14:05` today, else `Nov 27 14:05`. */
export function formatLocalTime(epochMs: number, now: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, "0");
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (d.toDateString() === new Date(now).toDateString()) return time;
  const month = d.toLocaleString("en", { month: "short" });
  return `${month} ${d.getDate()} ${time}`;
}

/** A duration, short: `45s`, `5m`, `2h 5m`, `3d` (a reset is `in 2h 5m`). */
export function formatRelative(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.round(h / 24)}d`;
}
