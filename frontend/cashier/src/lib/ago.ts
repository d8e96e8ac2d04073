/** How long ago a cached figure was confirmed, in a cashier's words. */
/** "just now", "12 min ago", "3 h ago", "on 4 Dec" — how old the balance shown is. */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return "at an unknown time";
  const minutes = Math.round((now - Date.parse(iso)) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h ago`;
  return `on ${new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "short" })}`;
}
