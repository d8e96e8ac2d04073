// Copies the runtime files the server serves from npm packages into the package's static/build
// folder (git-ignored). Run by `make install` after `npm ci`.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const out = join(root, "..", "src", "activereach", "static", "build");

rmSync(join(out, "swagger"), { recursive: true, force: true });
mkdirSync(join(out, "swagger"), { recursive: true });
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"]) {
  cpSync(join(root, "node_modules", "swagger-ui-dist", file), join(out, "swagger", file));
}
console.log(`front-end assets written to ${out}`);
