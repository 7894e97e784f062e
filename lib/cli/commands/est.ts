import type { Command } from "commander";
import { printJson } from "../io";

export function register(program: Command): void {
  const est = program.command("est").description("EST (RFC 7030) enrolment for devices: docs/EST.md");
  est
    .command("secret")
    .description("create the issuer's enrolment secret (HTTP Basic user \"est\" for simpleenroll); prints it once — the previous one stops working")
    .requiredOption("--issuer <name>", "the issuer devices enrol with")
    .option("--json", "print JSON ({issuer, secret, prefix})")
    .action(async (o: { issuer: string; json?: boolean }) => {
      const { createEstSecret } = await import("../../est/secrets");
      const { cliActor } = await import("../../auth/actor");
      const { secret, prefix } = await createEstSecret(cliActor(), o.issuer);
      if (o.json) return printJson({ issuer: o.issuer, secret, prefix });
      // The secret alone on stdout, so SECRET=$(rootline est secret --issuer N) works.
      process.stdout.write(`${secret}\n`);
      process.stderr.write(`rootline: EST enrolment secret for "${o.issuer}" (${prefix}…), shown once; any previous secret no longer works\n`);
    });
  est
    .command("status")
    .description("the issuer's current enrolment secret: prefix, created, last used (never the secret)")
    .requiredOption("--issuer <name>", "the issuer")
    .action(async (o: { issuer: string }) => {
      const { estSecretStatus } = await import("../../est/secrets");
      printJson({ issuer: o.issuer, secret: await estSecretStatus(o.issuer) });
    });
}
