import { describe, expect, it } from "vitest";
import { parseTopology, planUpdate } from "../rotation";
import { canonicalDocument, describeError, documentToJson, exportFilename, MAX_DOCUMENT_BYTES, parseDocument, parseDocumentText, summarize, utf8Length } from "./document";
import { fig46, generateFleet } from "./samples";

describe("parseDocument (structure)", () => {
  it("fills the defaults exactly as parseTopology does and fixes the key order", () => {
    const r = parseDocument({
      nodes: [{ y: 10.4, x: 3.6, id: "s", direct: true }, { id: "c", label: "" }],
      links: [{ server: "s", client: "c" }],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(JSON.stringify(r.document)).toBe(
      '{"nodes":[{"id":"s","direct":true,"acceptsConnections":true,"x":4,"y":10},{"id":"c","direct":false,"acceptsConnections":false}],' +
        '"links":[{"client":"c","server":"s","group":"default","auth":"mutual"}]}',
    );
    const p = parseTopology(r.document);
    expect(p.ok && p.topology.nodes.map((n) => n.acceptsConnections)).toEqual([true, false]);
  });

  it("names the node or link at fault for type errors and unknown keys", () => {
    const r = parseDocument({
      nodes: [{ id: "a" }, { id: "b", acceptConnections: true }],
      links: [{ client: "a", server: "b", auth: "both" }],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "nodes[1]", nodeId: "b", message: expect.stringContaining("acceptConnections") }),
        expect.objectContaining({ path: "links[0].auth", linkIndex: 0, message: 'auth must be "mutual" or "one-way"' }),
      ]),
    );
  });

  it("refuses duplicate node ids even for a draft (the editor identifies nodes by id)", () => {
    const r = parseDocument({ nodes: [{ id: "a" }, { id: "a" }], links: [] });
    expect(r).toEqual({ ok: false, errors: [{ path: "nodes[1].id", nodeId: "a", message: 'duplicate node id "a" (already used by nodes[0])' }] });
  });

  it("keeps a semantically invalid draft and leaves the verdict to parseTopology", () => {
    const r = parseDocument({ nodes: [{ id: "30", direct: true }, { id: "40" }], links: [{ client: "40", server: "99" }] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = summarize(r.document);
    expect(s.valid).toBe(false);
    const unknown = s.errors.find((e) => e.linkIndex === 0)!;
    expect(describeError(r.document, unknown)).toBe('links[0] (40 → 99): unknown node "99" as server (no node has this id)');
    expect(s.errors.some((e) => e.nodeId === "40" && /cannot be reached/.test(e.message))).toBe(true);
  });
});

describe("parseDocumentText", () => {
  it("reports bad JSON, an empty text, a wrong shape and an oversized text", () => {
    expect(parseDocumentText("{nodes: []}")).toMatchObject({ ok: false, errors: [{ message: expect.stringMatching(/^not valid JSON/) }] });
    expect(parseDocumentText("  \n")).toMatchObject({ ok: false, errors: [{ message: expect.stringMatching(/empty/) }] });
    expect(parseDocumentText("[]")).toMatchObject({ ok: false, errors: [{ message: expect.stringMatching(/nodes.*links/) }] });
    expect(parseDocumentText(" ".repeat(900_001))).toMatchObject({ ok: false, errors: [{ message: expect.stringMatching(/too large/) }] });
  });

  it("round-trips the export format byte for byte", () => {
    const text = documentToJson(fig46());
    const again = parseDocumentText(text);
    expect(again.ok && documentToJson(again.document)).toBe(text);
    expect(text.endsWith("\n")).toBe(true);
    expect(text).toContain('    {\n      "id": "30-1",\n      "direct": true,\n      "acceptsConnections": true\n    }');
  });
});

describe("samples", () => {
  it("FIG. 46 is valid and plans with 40-3 before both servers' certificates", () => {
    const p = parseTopology(fig46());
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    const planned = planUpdate(p.topology);
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    const tasks = new Map(planned.plan.groups[0].tasks.map((t) => [t.id, t]));
    expect(tasks.get("store-cert:30-1")!.after).toContain("store-root:40-3");
    expect(tasks.get("store-cert:30-2")!.after).toContain("store-root:40-3");
    expect(tasks.get("store-cert:30-1")!.after).not.toContain("store-root:40-4");
  });

  it("a generated fleet of 1,000 nodes is valid and its canonical form is stable", () => {
    const doc = generateFleet(1000);
    expect(doc.nodes).toHaveLength(1000);
    expect(summarize(doc)).toMatchObject({ valid: true, nodes: 1000 });
    expect(canonicalDocument(canonicalDocument(doc))).toEqual(canonicalDocument(doc));
  });
});

it("export file names are safe", () => {
  expect(exportFilename("Plant A / line 2")).toBe("Plant-A-line-2.topology.json");
  expect(exportFilename("ü")).toBe("topology.topology.json");
});

describe("the size limit is in bytes, as the request body is measured", () => {
  it("refuses a paste that is short in characters but over the limit in UTF-8 bytes", () => {
    const text = "é".repeat(MAX_DOCUMENT_BYTES / 2 + 1); // fewer characters than the limit, more bytes
    const r = parseDocumentText(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0].message).toBe(`the topology is too large (${(MAX_DOCUMENT_BYTES + 2).toLocaleString("en")} bytes; at most ${MAX_DOCUMENT_BYTES.toLocaleString("en")})`);
  });

  it.each(["", "plain", "é", "€uro", "😀 pair", "\ud800 lone", "x\ud800", "\udc00\ud800é", "mixed é€😀".repeat(50)])("utf8Length(%j) equals Buffer.byteLength", (t) => {
    expect(utf8Length(t)).toBe(Buffer.byteLength(t, "utf8"));
  });
});
