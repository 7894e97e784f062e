import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** docs/openapi.yaml must document every route handler under app/api (and nothing that is gone). */
function routes(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return routes(p);
    return e.name === "route.ts" ? ["/" + path.relative("app", path.dirname(p)).replace(/\[(\w+)\]/g, "{$1}")] : [];
  });
}

describe("docs/openapi.yaml", () => {
  const doc = fs.readFileSync("docs/openapi.yaml", "utf8");
  const documented = [...doc.matchAll(/^ {2}(\/api\/\S+):$/gm)].map((m) => m[1]);
  it("documents every API route", () => {
    expect(routes("app/api").sort()).toEqual([...documented].sort());
  });
});
