import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS } from "./events";

/** The actions docs/AUDIT_EVENTS.md documents: the backticked names in its table's first column. */
function documentedActions(): string[] {
  const doc = fs.readFileSync(path.join(__dirname, "../../docs/AUDIT_EVENTS.md"), "utf8");
  return doc
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .flatMap((line) => [...line.split("|")[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
}

describe("the audit event inventory", () => {
  it("docs/AUDIT_EVENTS.md documents exactly the actions lib/audit/events.ts lists", () => {
    expect([...documentedActions()].sort()).toEqual([...AUDIT_ACTIONS].sort());
  });

  it("every listed action is written somewhere in the code", () => {
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && !p.endsWith(path.join("audit", "events.ts"))) sources.push(fs.readFileSync(p, "utf8"));
      }
    };
    for (const dir of ["lib", "app"]) walk(path.join(__dirname, "../..", dir));
    const all = sources.join("\n");
    expect(AUDIT_ACTIONS.filter((a) => !all.includes(`"${a}"`))).toEqual([]);
  });
});
