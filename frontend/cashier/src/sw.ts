/// <reference lib="webworker" />
/**
 * ActivePOS service worker (scope /cashier/). The server prepends PRECACHE and VERSION.
 * Shell and hashed assets: cache-first. API calls: straight to the network (writes never cached;
 * the page keeps its own outbox in IndexedDB).
 */
declare const PRECACHE: string[];
declare const VERSION: string;
const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `activepos-${VERSION}`;
const SHELL = "/cashier/";

sw.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)).then(() => sw.skipWaiting()));
});

sw.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith("activepos-") && key !== CACHE) await caches.delete(key);
    await sw.clients.claim();
  })());
});

sw.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== sw.location.origin || !url.pathname.startsWith("/cashier")) return;
  if (req.mode === "navigate") {
    event.respondWith(caches.match(SHELL).then((hit) => hit ?? fetch(req)));
    return;
  }
  event.respondWith(caches.match(req).then((hit) => hit ?? fetch(req).then(async (res) => {
    if (res.ok && url.pathname.startsWith("/cashier/assets/")) (await caches.open(CACHE)).put(req, res.clone());
    return res;
  })));
});
