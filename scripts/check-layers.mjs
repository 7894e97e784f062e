#!/usr/bin/env node
// The layering rules of docs/DESIGN.md, checked on every import in the tree:
//   lib/         never imports app/, components/ (nor, outside lib/cli, the CLI)
//   components/  never imports app/
//   lib/audit    never imports lib/auth (auth writes audit events; the reverse is a loop)
//   the database-free components (DATABASE_FREE: the device side, the agents, the proxy, the
//   pure PKI and planning code) never reach lib/db or lib/database, not even through another
//   module: they run on devices and hosts without the CA's database, and the PostgreSQL run
//   of the suite (vitest.pg.config.mts) leaves their tests out for that reason. Test files
//   are exempt (a device test may stand up the real CA side).
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

export function* sourceFiles(dir) {
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

/** Components that run without the CA's database (their non-test files). */
export const DATABASE_FREE = ["lib/pki/", "lib/rotation/", "lib/agent/", "lib/device/", "lib/revocation-info/", "lib/proxy/"];
const DATABASE = ["lib/db", "lib/database/"];
const isTest = (rel) => /\.(test|pgtest)\.tsx?$/.test(rel);

/** The .ts file an import target names (a file, or a folder's index), or null. */
function sourceOf(target) {
  for (const c of [target, `${target}.ts`, `${target}.tsx`, `${target}/index.ts`]) if (fs.existsSync(path.join(root, c)) && fs.statSync(path.join(root, c)).isFile()) return c;
  return null;
}

/** The chain of imports from `rel` to the database, or null (depth-first over lib/'s own modules). */
export function pathToDatabase(rel, seen = new Set()) {
  if (seen.has(rel)) return null;
  seen.add(rel);
  const text = fs.readFileSync(path.join(root, rel), "utf8");
  for (const m of text.matchAll(IMPORT)) {
    const target = resolveSpecifier(path.join(root, rel), m[1] ?? m[2]);
    if (!target) continue;
    if (DATABASE.some((d) => target === d || target.startsWith(d))) return [rel, target];
    const next = sourceOf(target);
    if (!next || !next.startsWith("lib/")) continue;
    const chain = pathToDatabase(next, seen);
    if (chain) return [rel, ...chain];
  }
  return null;
}

export function violations() {
  const found = [];
  for (const dir of DATABASE_FREE) {
    for (const abs of sourceFiles(path.join(root, dir))) {
      const rel = path.relative(root, abs).split(path.sep).join("/");
      if (isTest(rel)) continue;
      const chain = pathToDatabase(rel);
      if (chain) found.push(`${rel} reaches the database: ${chain.join(" → ")} (${dir} runs without the CA's database)`);
    }
  }
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
