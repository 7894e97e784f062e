import type { Command } from "commander";
import { parsePositiveInt, printJson, readFileArg } from "../io";

/** `rootline topology import|bind|provision` (docs/ROTATION_RUNS.md "Setup"). */
export function register(program: Command): void {
  const topology = program.command("topology").description("stored topologies: import, bind a root key group to an issuer, provision node agents");
  topology
    .command("import")
    .description("store a topology from a JSON file (it must be valid)")
    .requiredOption("--name <name>", "topology name")
    .requiredOption("--file <file>", "topology JSON")
    .action(async (o: { name: string; file: string }) => {
      const { importTopology } = await import("../../topologies/service");
      const { cliActor } = await import("../../auth/actor");
      const text = readFileArg(o.file, "file", 1024 * 1024).toString("utf8");
      const t = await importTopology(cliActor(), { name: o.name, text });
      printJson({ id: t.id, name: t.name, nodes: t.document.nodes.length, links: t.document.links.length });
    });
  topology
    .command("bind")
    .description("bind a root key group of a topology to an issuer (the group's old root)")
    .requiredOption("--topology <name>", "topology name")
    .option("--group <group>", "root key group", "default")
    .requiredOption("--issuer <name>", "issuer name")
    .action(async (o: { topology: string; group: string; issuer: string }) => {
      const { bindGroup } = await import("../../rotation-run/bind");
      const { cliActor } = await import("../../auth/actor");
      printJson(await bindGroup(cliActor(), o));
    });
  topology
    .command("provision")
    .description("a key and certificate per node under the bound issuers; writes DIR/<node id>/ for every node")
    .requiredOption("--topology <name>", "topology name")
    .requiredOption("--out <dir>", "output directory")
    .option("--host <host>", "the nodes' listen host", "127.0.0.1")
    .option("--base-port <port>", "first listen port (nodes that accept connections get P, P+1, …)", "7400")
    .option("--ca-url <url>", "the CA URL written into agent.json")
    .action(async (o: { topology: string; out: string; host: string; basePort: string; caUrl?: string }) => {
      const { provisionTopology } = await import("../../rotation-run/provision");
      const { cliActor } = await import("../../auth/actor");
      const r = await provisionTopology(cliActor(), { topology: o.topology, out: o.out, host: o.host, basePort: parsePositiveInt(o.basePort, "base-port"), caUrl: o.caUrl });
      printJson(r);
    });
}
