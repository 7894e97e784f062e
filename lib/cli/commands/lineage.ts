import type { Command } from "commander";
import { parsePositiveInt, printJson } from "../io";

/** `rootline lineage …`: CA generations that devices follow by themselves (SPEC 3, docs/CA_INFORMATION.md). */
export function register(program: Command): void {
  const lineage = program.command("lineage").description("CA generations with signed next-address documents (CA information)");
  lineage
    .command("create")
    .description("create a lineage: its distribution key and generation 1 (issuer <name>-1)")
    .requiredOption("--name <name>", "lineage name")
    .requiredOption("--key <type>", "key type of each generation's CA: ec-p256 | ec-p384 | rsa-2048 | rsa-3072 | rsa-4096")
    .option("--distribution-key <type>", "distribution key: ec-p256 | ec-p384", "ec-p256")
    .option("--ca-validity-days <n>", "validity of each generation's CA (default 20 years)")
    .option("--lead-days <n>", "create generation n+1 this long before CA n expires (default 5 years, at most a quarter of the validity)")
    .requiredOption("--download-url-template <url>", "https URL of CA information n, holding {n}, e.g. https://127.0.0.1:8443/ca-info/{n}")
    .option("--key-storage <where>", "software | pkcs11: pkcs11 generates the distribution key and every generation's CA key in the token (ROOTLINE_PKCS11_*)", "software")
    .action(async (o: { name: string; key: string; distributionKey: string; caValidityDays?: string; leadDays?: string; downloadUrlTemplate: string; keyStorage: string }) => {
      const { createLineage } = await import("../../generations/lineage");
      const { lineageView, showJson } = await import("../../generations/view");
      const { cliActor } = await import("../../auth/actor");
      await createLineage(cliActor(), { name: o.name, keyType: o.key, distributionKeyType: o.distributionKey, caValidityDays: o.caValidityDays, leadDays: o.leadDays, downloadUrlTemplate: o.downloadUrlTemplate, keyStorage: o.keyStorage });
      printJson(showJson(await lineageView(o.name)));
    });
  lineage
    .command("next")
    .description("create the next generation now and publish its CA information")
    .requiredOption("--name <name>", "lineage name")
    .action(async (o: { name: string }) => {
      const { nextGeneration } = await import("../../generations/lineage");
      const { cliActor } = await import("../../auth/actor");
      const c = await nextGeneration(cliActor(), o.name);
      printJson({ n: c.generation, issuer: c.issuer, notAfter: c.notAfter.toISOString() });
    });
  lineage
    .command("revoke-generation")
    .description("record that a generation's CA is revoked; when it is the newest, the next generation is created at once")
    .requiredOption("--name <name>", "lineage name")
    .requiredOption("--generation <n>", "generation number")
    .requiredOption("--reason <text>", "why")
    .action(async (o: { name: string; generation: string; reason: string }) => {
      const { revokeGenerationNow } = await import("../../generations/schedule");
      const { cliActor } = await import("../../auth/actor");
      const r = await revokeGenerationNow(cliActor(), o.name, parsePositiveInt(o.generation, "generation"), o.reason);
      printJson({
        n: r.generation,
        issuer: r.issuer,
        revokedAt: r.revokedAt.toISOString(),
        created: r.created ? { n: r.created.generation, issuer: r.created.issuer } : null,
        // Application servers asked to renew from the next generation; the tokens are shown once.
        moves: r.moves.map((m) => ({ n: m.generation, issuer: m.issuer, successor: m.successor, awaiting: m.requested, renewalTokens: m.tokens })),
      });
    });
  lineage
    .command("show")
    .requiredOption("--name <name>", "lineage name")
    .option("--json", "print JSON")
    .action(async (o: { name: string; json?: boolean }) => {
      const { lineageView, showJson } = await import("../../generations/view");
      const v = await lineageView(o.name);
      if (o.json) return printJson(showJson(v));
      process.stdout.write(`lineage ${v.name}\tkeys ${v.keyStorage}\tdistribution key ${v.distributionKey.keyType} sha256 ${v.distributionKey.sha256}\n`);
      for (const g of v.generations) process.stdout.write(`${g.n}\t${g.issuer}\t${g.state}\tnotAfter ${g.notAfter.toISOString()}\tnext ${g.nextUrl}${g.nextExists ? " (exists)" : ""}\n`);
      if (v.schedule) process.stdout.write(`next: generation ${v.schedule.generation} at ${v.schedule.dueAt.toISOString()} (${v.schedule.cause})\n`);
      if (v.downloadServer) process.stdout.write(`download server ${v.downloadServer.url} ${v.downloadServer.running ? "running" : "not seen"} (last seen ${v.downloadServer.seenAt.toISOString()})\n`);
    });
  lineage
    .command("distribution-key")
    .description("print the distribution public key for device firmware (PEM; --der writes SubjectPublicKeyInfo DER)")
    .requiredOption("--name <name>", "lineage name")
    .option("--der", "raw SubjectPublicKeyInfo DER on standard output")
    .action(async (o: { name: string; der?: boolean }) => {
      const { distributionKeyOf } = await import("../../generations/lineage");
      const k = await distributionKeyOf(o.name);
      process.stdout.write(o.der ? Buffer.from(k.spki) : k.pem);
    });
  lineage
    .command("ca-info")
    .description("print CA information n (JSON; --der writes the DER form)")
    .requiredOption("--name <name>", "lineage name")
    .requiredOption("--generation <n>", "generation number")
    .option("--der", "the DER form on standard output")
    .action(async (o: { name: string; generation: string; der?: boolean }) => {
      const { caInfoOf } = await import("../../generations/lineage");
      const { caInfoJsonText, caInfoToJson } = await import("../../generations/caInfo");
      const info = await caInfoOf(o.name, parsePositiveInt(o.generation, "generation"));
      process.stdout.write(o.der ? Buffer.from(info.der) : caInfoJsonText(caInfoToJson(info)));
    });
  lineage
    .command("serve-downloads")
    .description("serve CA information n+1 over TLS with a certificate of CA n (GET /ca-info/{n}); runs until interrupted")
    .requiredOption("--name <name>", "lineage name")
    .requiredOption("--port <port>", "TCP port")
    .option("--host <host>", "listen address", "127.0.0.1")
    .action(async (o: { name: string; port: string; host: string }) => {
      const { startDownloadServer } = await import("../../generations/downloadServer");
      const server = await startDownloadServer({ lineage: o.name, port: parsePositiveInt(o.port, "port"), host: o.host });
      process.stdout.write(`${JSON.stringify({ url: server.url, serving: server.serving() })}\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await server.stop();
    });
}
