/** The till's settings from GET /v1/pos/config, kept in IndexedDB so they hold offline. */
import { call } from "./api.ts";
import { cached } from "./cached.ts";
import type { Till } from "./db.ts";
import { DEFAULT_CONFIG, type TillConfig } from "./policy.ts";

/** The server's settings; on any failure the last copy, else the defaults. */
export async function loadConfig(db: Till, token: string): Promise<TillConfig> {
  const got = await cached<TillConfig>(db, { key: "config", fetch: async () => ({ ...DEFAULT_CONFIG,
    ...(await call<Partial<TillConfig>>("/v1/pos/config", { token, contentType: false })) }) });
  // a copy cached by an older till lacks the newer fields: the defaults fill them
  return { ...DEFAULT_CONFIG, ...got.value };
}
