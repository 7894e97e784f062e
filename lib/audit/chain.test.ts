import { describe, expect, it } from "vitest";
import { chainHash, GENESIS, verifyChain } from "./chain";

function build(n: number) {
  const out = [];
  let prev = GENESIS;
  for (let i = 1; i <= n; i++) {
    const r = { seq: i, at: new Date(1_700_000_000_000 + i), actor: "user:a@x", action: "issuer.create", targetType: "issuer", targetId: `i${i}`, before: null, after: JSON.stringify({ n: i }) };
    const hash = chainHash(prev, r);
    out.push({ ...r, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe("audit chain", () => {
  it("verifies an untouched chain", () => {
    expect(verifyChain(build(5))).toMatchObject({ ok: true, count: 5 });
  });
  it.each([
    ["altered content", (c: ReturnType<typeof build>) => { c[2] = { ...c[2], after: JSON.stringify({ n: 99 }) }; }, 3, "altered"],
    ["altered actor", (c: ReturnType<typeof build>) => { c[0] = { ...c[0], actor: "user:mallory@x" }; }, 1, "altered"],
    ["removed entry", (c: ReturnType<typeof build>) => { c.splice(1, 1); }, 3, "removed"],
    ["reordered entries", (c: ReturnType<typeof build>) => { [c[1], c[2]] = [c[2], c[1]]; }, 3, "removed or reordered"],
    ["a gap in the seqs with the links intact", (c: ReturnType<typeof build>) => { for (const r of c.slice(3)) r.seq++; }, 5, "jumps from #3 to #5"],
  ])("detects %s and names the first bad entry", (_n, tamper, seq, word) => {
    const c = build(5);
    tamper(c);
    const v = verifyChain(c);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.seq).toBe(seq);
      expect(v.problem).toContain(word);
    }
  });
});
