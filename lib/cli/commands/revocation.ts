import type { Command } from "commander";
import { CliExit, parsePositiveInt, printJson, readFileArg } from "../io";

const collect = (v: string, prev: string[] = []) => [...prev, v];

async function serial(value: string, field = "serial"): Promise<bigint> {
  const { serialFromDecimal } = await import("../../pki/fingerprint");
  return serialFromDecimal(value, field);
}

/** `cert revoke` and `cert renew` join the `cert` command; `revocation`, `sweep` and `repository` are new. */
export function register(program: Command): void {
  const cert = program.commands.find((c) => c.name() === "cert") ?? program.command("cert");
  cert
    .command("revoke")
    .description("revoke serial S as a prefix: S and every still-valid certificate below it get renewal requests; the RN moves to S+1")
    .requiredOption("--issuer <name>", "issuer name")
    .requiredOption("--serial <serial>", "serial to revoke (decimal)")
    .requiredOption("--reason <reason>", "RFC 5280 reason: keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn, aACompromise, unspecified")
    .requiredOption("--order <order>", "renew-first (RN moves when replacements are issued) | raise-first (RN moves now)")
    .option("--exclude <serial>", "serial of a stopped server: no replacement awaited (repeatable)", collect)
    .option("--deadline-days <n>", "move the RN anyway after this many days (1 to 3650)")
    .action(async (o: { issuer: string; serial: string; reason: string; order: string; exclude?: string[]; deadlineDays?: string }) => {
      const { startRevocation } = await import("../../revocation/prefix");
      const { cliActor } = await import("../../auth/actor");
      const exclude = await Promise.all((o.exclude ?? []).map((s) => serial(s, "exclude")));
      const { parseDeadline } = await import("../../revocation/deadline");
      const deadline = parseDeadline(o.deadlineDays, new Date(), "deadline-days");
      const r = await startRevocation(cliActor(), { issuer: o.issuer, serial: await serial(o.serial), reason: o.reason, order: o.order, exclude, deadline });
      printJson({ issuer: r.issuer, serial: r.serial, order: r.order, revocationNumber: r.revocationNumber, completed: r.completed, awaiting: r.awaiting, renewalTokens: r.tokens });
    });
  cert
    .command("renew")
    .description("issue the replacement for a certificate that has a renewal request; prints the certificate PEM")
    .requiredOption("--issuer <name>", "issuer name")
    .requiredOption("--serial <serial>", "serial of the certificate being replaced")
    .requiredOption("--csr <file>", "CSR with a NEW key pair, same subject (PEM or DER)")
    .action(async (o: { issuer: string; serial: string; csr: string }) => {
      const { renewCertificate } = await import("../../revocation/renewal");
      const { cliActor } = await import("../../auth/actor");
      const { pemEncode } = await import("../../pki/pem");
      const r = await renewCertificate(cliActor(), { issuer: o.issuer, serial: await serial(o.serial), csr: new Uint8Array(readFileArg(o.csr, "csr")) });
      process.stdout.write(pemEncode("CERTIFICATE", r.replacement.der));
    });

  const revocation = program.command("revocation").description("revocation numbers and pending prefix revocations");
  revocation
    .command("status")
    .requiredOption("--issuer <name>", "issuer name")
    .option("--json", "print JSON")
    .action(async (o: { issuer: string; json?: boolean }) => {
      const { revocationStatus } = await import("../../revocation/status");
      const s = await revocationStatus(o.issuer);
      if (o.json) {
        printJson({ issuer: s.issuer, revocationNumber: s.revocationNumber, nextSerial: s.nextSerial, pending: s.pending.map((p) => ({ serial: p.serial, order: p.order, reason: p.reason, awaiting: p.awaiting, renewed: p.renewed, excluded: p.excluded, deadline: p.deadline })) });
        return;
      }
      process.stdout.write(`${s.issuer}: revocation number ${s.revocationNumber}, next serial ${s.nextSerial}\n`);
      for (const p of s.pending) process.stdout.write(`  pending revocation of ${p.serial} (${p.order}, ${p.reason}): awaiting ${p.awaiting.join(", ") || "nothing"}\n`);
    });
  revocation
    .command("complete")
    .description("move the RN for a pending revocation; without --force only when no replacement is awaited")
    .requiredOption("--issuer <name>", "issuer name")
    .requiredOption("--serial <serial>", "serial of the pending revocation")
    .option("--force", "move the RN even though replacements are still awaited")
    .action(async (o: { issuer: string; serial: string; force?: boolean }) => {
      const { completeRevocation } = await import("../../revocation/prefix");
      const { cliActor } = await import("../../auth/actor");
      printJson(await completeRevocation(cliActor(), { issuer: o.issuer, serial: await serial(o.serial), force: !!o.force }));
    });
  revocation
    .command("exclude")
    .description("a holder has stopped: stop waiting for its replacement")
    .requiredOption("--issuer <name>", "issuer name")
    .requiredOption("--serial <serial>", "serial whose replacement is no longer awaited")
    .action(async (o: { issuer: string; serial: string }) => {
      const { excludeFromRevocation } = await import("../../revocation/prefix");
      const { cliActor } = await import("../../auth/actor");
      printJson(await excludeFromRevocation(cliActor(), { issuer: o.issuer, serial: await serial(o.serial) }));
    });

  program
    .command("sweep")
    .description("expiry sweep (for cron): renewal requests for the largest serial expiring within the look-ahead, RN moves when they are done; passed deadlines complete")
    .option("--issuer <name>", "only this issuer")
    .option("--look-ahead-days <n>", "look-ahead in days", "30")
    .action(async (o: { issuer?: string; lookAheadDays: string }) => {
      const { runSweep } = await import("../../revocation/sweep");
      const { cliActor } = await import("../../auth/actor");
      const reports = await runSweep({ issuer: o.issuer, lookAheadDays: parsePositiveInt(o.lookAheadDays, "look-ahead-days"), actor: cliActor() });
      if (o.issuer && reports.length === 0) {
        process.stderr.write(`rootline: issuer: no issuer named "${o.issuer}"\n`);
        throw new CliExit(2);
      }
      printJson(reports);
      // Holder keys past their use go in the same cron run (audited; lib/secrets/purge.ts).
      const { purged } = await (await import("../../secrets/purge")).purgeHolderKeys();
      if (purged) process.stderr.write(`rootline: deleted ${purged} server-generated holder key(s) past their use\n`);
    });

  const repository = program.command("repository").description("the device repository");
  repository
    .command("export")
    .description("write the repository (issuers, CA certificates, signed revocation information, CRLs) as static files")
    .requiredOption("--dir <dir>", "output directory")
    .action(async (o: { dir: string }) => {
      const { exportRepository } = await import("../../repository/export");
      printJson({ dir: o.dir, files: await exportRepository(o.dir) });
    });
  repository
    .command("serve-tls")
    .description("serve the bare revocation number over TLS (second form) for one issuer, with a repository certificate issued by that issuer; runs until interrupted")
    .requiredOption("--issuer <name>", "issuer name")
    .option("--port <port>", "TCP port", "3443")
    .option("--host <host>", "listen address", "127.0.0.1")
    .option("--name <san>", "SAN of the repository certificate, e.g. DNS:repo.example (repeatable; default DNS:localhost, IP:127.0.0.1)", collect)
    .action(async (o: { issuer: string; port: string; host: string; name?: string[] }) => {
      const { serveTlsRepository } = await import("../../repository/tlsService");
      const repo = await serveTlsRepository({ issuer: o.issuer, port: parsePositiveInt(o.port, "port"), host: o.host, hosts: o.name });
      process.stdout.write(`${JSON.stringify({ url: repo.url })}\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await repo.stop();
    });
}
