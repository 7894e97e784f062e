import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DecisionLog, type DecisionInput } from "./decisions";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxy-decisions-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const base: DecisionInput = { client: "127.0.0.1:50000", route: "billing", upstream: "127.0.0.1:8443", serial: "4711", decision: "forwarded", reason: "serial 4711 is not revoked" };
const REQUIRED = ["at", "client", "decision", "reason", "route", "seq", "serial", "upstream"];

const readLines = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "");

describe("DecisionLog", () => {
  it("appends one JSON object per line with exactly the Contract's fields, hostile strings included", async () => {
    const file = path.join(dir, "a.log");
    const log = new DecisionLog({ file });
    const hostile = ['"}\n{"decision":"forwarded"}', "back\\slash", "\u2028\u2029", "\r\n\t\0", "lone \uDC00", "ünï©ødé 🚀"];
    log.record({ ...base, reason: hostile[0], subject: hostile[1] });
    for (const h of hostile) log.record({ ...base, decision: "refused-policy", client: h, route: h, upstream: h, reason: h, subject: h });
    log.record({ ...base, serial: null, decision: "refused-unverified", subject: null });
    // Extra keys from a careless caller do not reach the file.
    log.record({ ...base, extra: "x" } as DecisionInput);
    await log.close();
    const lines = readLines(file);
    expect(lines).toHaveLength(hostile.length + 3);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    parsed.forEach((d, i) => {
      const keys = Object.keys(d).sort();
      expect(keys.filter((k) => k !== "subject")).toEqual(REQUIRED);
      expect(d.seq).toBe(i + 1);
      expect(new Date(d.at as string).toISOString()).toBe(d.at);
    });
    expect(parsed[0]).toMatchObject({ reason: hostile[0], subject: hostile[1] });
    expect(parsed.slice(1, 1 + hostile.length).map((d) => d.client)).toEqual(hostile);
    expect(parsed.at(-2)).toMatchObject({ serial: null, subject: null, decision: "refused-unverified" });
    expect("subject" in parsed.at(-1)!).toBe(false);
  });

  it("keeps the last `keep` in memory; since(seq, limit) pages through them", () => {
    const log = new DecisionLog({ keep: 5 });
    for (let i = 0; i < 12; i++) log.record({ ...base, reason: `r${i}` });
    expect(log.lastSeq).toBe(12);
    expect(log.since(0).map((d) => d.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(log.since(9).map((d) => d.seq)).toEqual([10, 11, 12]);
    expect(log.since(8, 2).map((d) => d.seq)).toEqual([9, 10]);
    expect(log.since(12)).toEqual([]);
    expect(log.since(99)).toEqual([]);
    expect(log.since(-5, 0)).toEqual([]);
    expect(new DecisionLog().since(0)).toEqual([]);
  });

  it("continues seq from an existing file and closes off a line torn by a crash", async () => {
    const file = path.join(dir, "b.log");
    const first = new DecisionLog({ file });
    first.record(base);
    first.record(base);
    await first.close();
    fs.appendFileSync(file, '{"seq":3,"at":"2026-'); // crash mid-write
    const second = new DecisionLog({ file });
    expect(second.record(base).seq).toBe(3);
    await second.close();
    const lines = readLines(file);
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[3])).toMatchObject({ seq: 3 });
  });

  it("refuses an unknown decision kind", () => {
    expect(() => new DecisionLog().record({ ...base, decision: "maybe" as never })).toThrow(/unknown decision/);
  });
});
