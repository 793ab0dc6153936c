/**
 * How long ago a time was, shortly (`pi sessions`, the session picker).
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
