import { describe, expect, it } from "vitest";
import { validateDocument, type TopologyDocument } from "@/lib/topologies/document";
import { describeProblem, inWords, linkName, shortNodeMessage } from "./wording";

const doc: TopologyDocument = {
  nodes: [{ id: "30-1", direct: true, acceptsConnections: false }, { id: "40-1", direct: false, acceptsConnections: false }, { id: "40-1", direct: false, acceptsConnections: false }],
  links: [{ client: "40-1", server: "30-1", group: "default", auth: "mutual" }, { client: "40-1", server: "30-1", group: "default", auth: "mutual" }, { client: "40-1", server: "99", group: "default", auth: "mutual" }],
};

describe("operator wording", () => {
  it("names links by their ends and nodes by their ids, never by array index", () => {
    expect(linkName(doc, 2)).toBe("40-1 → 99");
    expect(inWords(doc, "duplicate of links[0] (same client)")).toBe("duplicate of the link 40-1 → 30-1");
    expect(inWords(doc, 'duplicate node id "40-1" (already used by nodes[1])')).toBe('duplicate node id "40-1" (already used by node "40-1")');
    expect(inWords(doc, 'node "30-1" is the server of links[0] but acceptsConnections is false')).toBe('node "30-1" is the server of the link 40-1 → 30-1 but it does not accept connections');
  });

  it("words every validation problem of a broken document without links[ or nodes[", () => {
    const v = validateDocument(doc);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    const texts = v.errors.map((e) => describeProblem(doc, e));
    expect(texts.length).toBeGreaterThan(2);
    for (const t of texts) expect(t).not.toMatch(/links\[|nodes\[|acceptsConnections/);
    expect(texts).toContain('Link 40-1 → 99: unknown node "99" as server (no node has this id)');
  });
});

describe("a node's error bubble", () => {
  it("says what is wrong in a few words; the node's name is on the node already", () => {
    expect(shortNodeMessage("n-5", 'node "n-5" cannot be reached: no direct node reaches it through counterparts (requests travel over mutual links)')).toBe("cannot be reached");
    expect(shortNodeMessage("n-5", 'node "n-5" is the server of links[0] but acceptsConnections is false')).toBe("is the server of links[0] but acceptsConnections is false");
    expect(shortNodeMessage("x", "duplicate node id (already used)")).toBe("duplicate node id");
  });
});
