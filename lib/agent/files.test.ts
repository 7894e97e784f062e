import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeFleet, makeRoot } from "../test/agents";
import { AgentConfigError, parseAgentConfig } from "./config";

describe("a node's directory", () => {
  it("writeNodeDirectory: key.pem 0600 in a 0700 directory, agent.json round-trips, PEM views of the store", async () => {
    const root = await makeRoot();
    const f = await makeFleet({ root, nodes: ["c", "s"], links: [["c", "s"]], direct: ["c", "s"] });
    const dir = f.nodes.get("c")!.dir;
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, "key.pem")).mode & 0o777).toBe(0o600);
    const config = parseAgentConfig(fs.readFileSync(path.join(dir, "agent.json"), "utf8"));
    expect(config.links).toEqual([{ peer: "s", role: "client", group: "default", auth: "mutual", address: { host: "127.0.0.1", port: f.nodes.get("s")!.port } }]);
    expect(fs.readFileSync(path.join(dir, "roots.pem"), "utf8")).toBe(root.pem.trim() + "\n");
    expect(JSON.parse(fs.readFileSync(path.join(dir, "store.json"), "utf8"))).toMatchObject({ version: 1, applied: {} });
    f.cleanup();
  });

  it("agent.json is checked: a client link needs an address, the route ends at the node", () => {
    const base = { version: 1, topology: "t", node: "a", caUrl: "http://x", direct: true, listen: null, links: [], route: ["a"] };
    expect(parseAgentConfig(JSON.stringify(base)).node).toBe("a");
    expect(() => parseAgentConfig({ ...base, route: ["b"] })).toThrow(AgentConfigError);
    expect(() => parseAgentConfig({ ...base, links: [{ peer: "b", role: "client", group: "g", auth: "mutual" }] })).toThrow(/address/);
    expect(() => parseAgentConfig("{")).toThrow(/not JSON/);
  });
});
