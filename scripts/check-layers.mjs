#!/usr/bin/env node
// The layering rules of docs/DESIGN.md, checked on every import in the tree:
//   lib/         never imports app/, components/ (nor, outside lib/cli, the CLI)
//   components/  never imports app/
//   lib/audit    never imports lib/auth (auth writes audit events; the reverse is a loop)
// Prints each offending import as file:line and exits 1 when there is one.
// Run: node scripts/check-layers.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const RULES = [
  { from: "lib/", to: ["app/", "components/"], why: "lib/ is plain TypeScript under the app" },
  { from: "lib/", except: "lib/cli/", to: ["lib/cli/"], why: "the domain does not depend on the CLI" },
  { from: "components/", to: ["app/"], why: "UI pieces get actions as props" },
  { from: "lib/audit/", to: ["lib/auth/"], why: "auth depends on audit, not the reverse" },
];

function* sourceFiles(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* sourceFiles(p);
    else if (/\.(ts|tsx|mts|mjs)$/.test(e.name)) yield p;
  }
}

/** The repository-relative target of an import specifier, or null for a package. */
function resolveSpecifier(file, spec) {
  if (spec.startsWith("@/")) return spec.slice(2);
  if (spec.startsWith(".")) return path.relative(root, path.resolve(path.dirname(file), spec)).split(path.sep).join("/");
  return null;
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|(?:^|[\s;(])import\s*\(?\s*["']([^"']+)["']/g;

export function violations() {
  const found = [];
  for (const top of ["lib", "components"]) {
    for (const abs of sourceFiles(path.join(root, top))) {
      const rel = path.relative(root, abs).split(path.sep).join("/");
      const text = fs.readFileSync(abs, "utf8");
      for (const m of text.matchAll(IMPORT)) {
        const target = resolveSpecifier(abs, m[1] ?? m[2]);
        if (!target) continue;
        for (const r of RULES) {
          if (!rel.startsWith(r.from) || (r.except && rel.startsWith(r.except))) continue;
          if (r.to.some((t) => (target + "/").startsWith(t))) {
            const line = text.slice(0, m.index).split("\n").length;
            found.push(`${rel}:${line} imports ${m[1] ?? m[2]} (${r.why})`);
          }
        }
      }
    }
  }
  return found;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const found = violations();
  for (const v of found) console.log(v);
  console.log(found.length ? `${found.length} import(s) against the layering` : "layering: no import against the rules");
  process.exit(found.length ? 1 : 0);
}
