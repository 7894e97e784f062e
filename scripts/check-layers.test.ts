import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

it("no import runs against the layering (lib ↛ app/components/cli, components ↛ app, audit ↛ auth)", () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, "check-layers.mjs")], { encoding: "utf8" });
  expect(r.stdout).toContain("layering: no import against the rules");
  expect(r.status).toBe(0);
});
