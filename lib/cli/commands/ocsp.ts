import type { Command } from "commander";
import { printJson } from "../io";

export function register(program: Command): void {
  const ocsp = program.command("ocsp").description("the OCSP responder at /ocsp/{issuer} (docs/OCSP.md)");
  ocsp
    .command("signer")
    .description("sign the issuer's OCSP responses with a delegated responder certificate (id-kp-OCSPSigning, 30 days, renewed by Rootline), or with the issuer's key again (--disable); prints the state as JSON")
    .requiredOption("--issuer <name>", "the issuer")
    .option("--disable", "stop delegating: revoke the responder certificate (cessationOfOperation); the issuer signs again")
    .option("--status", "only show whether delegation is on")
    .action(async (o: { issuer: string; disable?: boolean; status?: boolean }) => {
      const signer = await import("../../ocsp/signer");
      const { cliActor } = await import("../../auth/actor");
      if (o.status) return printJson(await signer.signerInfo(o.issuer));
      printJson(o.disable ? await signer.disableDelegatedSigner(cliActor(), o.issuer) : await signer.enableDelegatedSigner(cliActor(), o.issuer));
    });
}
