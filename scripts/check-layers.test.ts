import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

it("no import runs against the layering (lib ↛ app/components/cli, components ↛ app, audit ↛ auth, database-free components ↛ db)", () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, "check-layers.mjs")], { encoding: "utf8" });
  expect(r.stdout).toContain("layering: no import against the rules");
  expect(r.status).toBe(0);
});

it("follows imports transitively to the database, so a database-free component cannot reach it through another module", async () => {
  const { pathToDatabase, DATABASE_FREE } = await import("./check-layers.mjs");
  expect(pathToDatabase("lib/certificates/issue.ts")).toEqual(expect.arrayContaining(["lib/certificates/issue.ts", "lib/db"]));
  expect(pathToDatabase("lib/pki/der.ts")).toBeNull();
  expect(DATABASE_FREE).toContain("lib/device/");
});
