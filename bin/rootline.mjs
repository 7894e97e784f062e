#!/usr/bin/env node
// Runs the TypeScript CLI without a build step: tsx's ESM and CJS hooks both need
// registering, or Node reports ERR_REQUIRE_CYCLE_MODULE (shared notes/toolchain.md).
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { register as registerEsm } from "tsx/esm/api";
import { register as registerCjs } from "tsx/cjs/api";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tsconfig = path.join(root, "tsconfig.json");
registerCjs({ tsconfig });
registerEsm({ tsconfig });
const mod = await import(pathToFileURL(path.join(root, "lib/cli/main.ts")).href);
// The .ts entry loads as CommonJS (package.json has no "type"), so its exports sit on `default`.
const main = mod.main ?? mod.default.main;
process.exitCode = await main(process.argv);
