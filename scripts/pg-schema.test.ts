import fs from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without types
import { postgresSchema, SOURCE, TARGET } from "./pg-schema.mjs";

describe("prisma/postgres/schema.prisma", () => {
  it("is prisma/schema.prisma with the PostgreSQL provider and client: regenerate with `node scripts/pg-schema.mjs` (and add a PostgreSQL migration)", () => {
    const want = (postgresSchema as (s: string) => string)(fs.readFileSync(SOURCE as string, "utf8"));
    expect(fs.readFileSync(TARGET as string, "utf8")).toBe(want);
  });

  it("changes only the provider, the URL and the client's output", () => {
    const pg = (postgresSchema as (s: string) => string)('generator client {\n  output = "../generated/prisma"\n}\ndatasource db {\n  provider = "sqlite"\n  url = "file:./dev.db"\n}\nmodel A { id Int @id }\n');
    expect(pg).toContain('output = "../../generated/prisma-pg"');
    expect(pg).toContain('provider = "postgresql"');
    expect(pg).toContain("model A { id Int @id }");
    expect(() => (postgresSchema as (s: string) => string)("model A { id Int @id }")).toThrow(/datasource provider/);
  });
});
