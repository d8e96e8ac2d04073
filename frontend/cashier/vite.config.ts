// ActivePOS build: the app and its service worker into src/activereach/static/build/cashier.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: "/cashier/",
  plugins: [preact()],
  build: {
    outDir: resolve(here, "../../src/activereach/static/build/cashier"),
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: {
      input: { main: resolve(here, "index.html"), sw: resolve(here, "src/sw.ts") },
      output: {
        entryFileNames: (chunk) => (chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js"),
      },
    },
  },
});
