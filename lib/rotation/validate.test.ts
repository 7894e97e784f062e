import { describe, expect, it } from "vitest";
import type { TopologyError } from "./model";
import { parseTopology } from "./validate";

function errorsOf(input: unknown): TopologyError[] {
  const r = parseTopology(input);
  if (r.ok) throw new Error("expected the topology to be rejected");
  return r.errors;
}

describe("parseTopology", () => {
  it("fills the defaults of the input format", () => {
    const r = parseTopology({
      nodes: [{ id: "30", direct: true, label: "printer hub", x: 1, y: 2 }, { id: "40-1" }, { id: "50", direct: true }],
      links: [{ client: "40-1", server: "30" }, { client: "40-1", server: "50", group: "B", auth: "one-way" }],
    });
    expect(r).toEqual({
      ok: true,
      topology: {
        nodes: [
          { id: "30", direct: true, acceptsConnections: true, label: "printer hub", x: 1, y: 2 },
          { id: "40-1", direct: false, acceptsConnections: false },
          { id: "50", direct: true, acceptsConnections: true },
        ],
        links: [
          { index: 0, client: "40-1", server: "30", group: "default", auth: "mutual" },
          { index: 1, client: "40-1", server: "50", group: "B", auth: "one-way" },
        ],
      },
    });
  });

  it("keeps an explicit acceptsConnections on a pure client", () => {
    const r = parseTopology({ nodes: [{ id: "a", direct: true }, { id: "b", acceptsConnections: true }], links: [{ client: "b", server: "a" }] });
    expect(r.ok && r.topology.nodes[1].acceptsConnections).toBe(true);
  });

  it("reports wrong types with their path, node id and link index", () => {
    const errors = errorsOf({
      nodes: [{ id: "a", direct: "yes" }, { id: 7 }, { id: "c", x: "left" }],
      links: [{ client: "a", server: "c", auth: "both" }, { client: "a" }],
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "nodes[0].direct", nodeId: "a" }),
        expect.objectContaining({ path: "nodes[1].id" }),
        expect.objectContaining({ path: "nodes[2].x", nodeId: "c" }),
        expect.objectContaining({ path: "links[0].auth", linkIndex: 0 }),
        expect.objectContaining({ path: "links[1].server", linkIndex: 1 }),
      ]),
    );
    expect(errors).toHaveLength(5);
    expect(errors.find((e) => e.path === "links[0].auth")!.message).toMatch(/mutual|one-way/);
    expect(errors.find((e) => e.path === "nodes[1].id")!.nodeId).toBeUndefined();
  });

  it("rejects unknown keys (a misspelt field must not be ignored)", () => {
    const errors = errorsOf({ nodes: [{ id: "a", direct: true, acceptConnections: false }], links: [] });
    expect(errors).toEqual([expect.objectContaining({ path: "nodes[0]", nodeId: "a", message: expect.stringContaining("acceptConnections") })]);
  });

  it("rejects input that is not a topology object", () => {
    expect(errorsOf(null)[0].path).toBe("");
    expect(errorsOf([])[0].path).toBe("");
    expect(errorsOf({ nodes: [] }).map((e) => e.path)).toEqual(["links"]);
    expect(errorsOf({ nodes: [{ id: "" }], links: [] })).toEqual([expect.objectContaining({ path: "nodes[0].id", message: "node id must not be empty" })]);
  });

  it("rejects duplicate node ids, naming both places", () => {
    const errors = errorsOf({ nodes: [{ id: "a", direct: true }, { id: "b" }, { id: "a" }], links: [{ client: "b", server: "a" }] });
    expect(errors).toEqual([{ path: "nodes[2].id", nodeId: "a", message: 'duplicate node id "a" (already used by nodes[0])' }]);
  });

  it("rejects unknown ids, self-links, duplicate links and empty group names", () => {
    const errors = errorsOf({
      nodes: [{ id: "a", direct: true }, { id: "b" }],
      links: [
        { client: "b", server: "a" },
        { client: "b", server: "zz" },
        { client: "a", server: "a" },
        { client: "b", server: "a", auth: "one-way" },
        { client: "b", server: "a", group: "  " },
        { client: "b", server: "a", group: "G" },
      ],
    });
    expect(errors).toEqual([
      { path: "links[1].server", linkIndex: 1, message: 'unknown node "zz" as server (no node has this id)' },
      { path: "links[2]", linkIndex: 2, nodeId: "a", message: 'node "a" cannot be a client of itself' },
      { path: "links[3]", linkIndex: 3, message: 'duplicate of links[0] (same client "b", server "a" and group "default")' },
      { path: "links[4].group", linkIndex: 4, message: "group name must not be empty" },
    ]);
  });

  it("rejects a server whose acceptsConnections is false", () => {
    const errors = errorsOf({ nodes: [{ id: "a", direct: true, acceptsConnections: false }, { id: "b", direct: true }], links: [{ client: "b", server: "a" }] });
    expect(errors).toEqual([
      { path: "nodes[0].acceptsConnections", nodeId: "a", linkIndex: 0, message: 'node "a" is the server of links[0] but acceptsConnections is false' },
    ]);
  });

  it("names nodes that no direct node reaches through counterparts", () => {
    const errors = errorsOf({
      nodes: [{ id: "s", direct: true }, { id: "c" }, { id: "island" }, { id: "x" }, { id: "y" }],
      links: [{ client: "c", server: "s" }, { client: "x", server: "y" }],
    });
    expect(errors.map((e) => [e.path, e.nodeId])).toEqual([
      ["nodes[2]", "island"],
      ["nodes[3]", "x"],
      ["nodes[4]", "y"],
    ]);
    expect(errors[0].message).toMatch(/"island" cannot be reached/);
  });

  it("does not relay from a client to its server over a one-way link", () => {
    // The server of a one-way link does not authenticate its client, so it must not take requests from it.
    const errors = errorsOf({ nodes: [{ id: "c", direct: true }, { id: "s" }], links: [{ client: "c", server: "s", auth: "one-way" }] });
    expect(errors).toEqual([expect.objectContaining({ path: "nodes[1]", nodeId: "s" })]);
    expect(parseTopology({ nodes: [{ id: "c" }, { id: "s", direct: true }], links: [{ client: "c", server: "s", auth: "one-way" }] }).ok).toBe(true);
  });

  it("says so when no node is direct", () => {
    const errors = errorsOf({ nodes: [{ id: "a" }, { id: "b" }], links: [{ client: "a", server: "b" }] });
    expect(errors[0]).toEqual({ path: "nodes", message: expect.stringContaining("no node is direct") });
    expect(errors.slice(1).map((e) => e.nodeId)).toEqual(["a", "b"]);
  });

  it("accepts an empty topology and a direct node without links", () => {
    expect(parseTopology({ nodes: [], links: [] }).ok).toBe(true);
    expect(parseTopology({ nodes: [{ id: "ca-side", direct: true }], links: [] }).ok).toBe(true);
  });
});
