/** The till's settings from GET /v1/pos/config, kept in IndexedDB so they hold offline. */
import { getMeta, setMeta, type Till } from "./db.ts";
import { DEFAULT_CONFIG, type TillConfig } from "./policy.ts";

export async function loadConfig(db: Till, token: string): Promise<TillConfig> {
  try {
    const res = await fetch("/v1/pos/config", { cache: "no-store",
      headers: { Authorization: `Bearer ${token}` } });
    if (res.ok) {
      const config = { ...DEFAULT_CONFIG, ...((await res.json()) as Partial<TillConfig>) };
      await setMeta(db, "config", config);
      return config;
    }
  } catch { /* offline: the last copy */ }
  return (await getMeta<TillConfig>(db, "config")) ?? DEFAULT_CONFIG;
}
