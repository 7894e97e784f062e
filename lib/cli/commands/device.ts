import type { Command } from "commander";
import { CliExit } from "../io";

/**
 * `rootline device …`: a reference device (the seed's "terminal"), for testing fleets
 * and for firmware writers to compare against. The logic lives in deviceRun.ts beside it.
 * Exit codes: 0 ok, 1 rejected, 2 bad input/usage, 3 unreachable (nothing changed).
 */

type Output = { stdout: string; stderr?: string; exitCode: number };

function emit(r: Output): void {
  process.stdout.write(r.stdout);
  if (r.stderr) process.stderr.write(r.stderr);
  if (r.exitCode !== 0) throw new CliExit(r.exitCode);
}

export function register(program: Command): void {
  const device = program.command("device").description("act as a device: trust a CA, fetch its revocation number, judge TLS servers (no clock, no CRL)");

  device
    .command("trust")
    .description("install a trusted CA certificate (PEM or DER) in the device state, RN 0; idempotent")
    .requiredOption("--ca <file>", "CA certificate file")
    .requiredOption("--state <file>", "device state file (created if missing)")
    .option("--issuer <name>", "the CA's issuer name in Rootline (pins it for --bare fetches)")
    .action(async (o: { ca: string; state: string; issuer?: string }) => {
      const { deviceTrust } = await import("./deviceRun");
      emit(await deviceTrust(o));
    });

  device
    .command("fetch")
    .description("fetch revocation information, verify it, store the RN only if larger; prints one JSON line")
    .requiredOption("--repository <url>", "repository base URL, e.g. http://127.0.0.1:3000/api/repository")
    .requiredOption("--issuer <name>", "issuer name")
    .requiredOption("--state <file>", "device state file")
    .option("--bare", "second form: the bare RN over TLS (https only), authenticated by the repository's certificate")
    .option("--timeout <ms>", "give up after this many milliseconds (default 10000)")
    .action(async (o: { repository: string; issuer: string; state: string; bare?: boolean; timeout?: string }) => {
      const { deviceFetch } = await import("./deviceRun");
      emit(await deviceFetch(o));
    });

  device
    .command("check")
    .description("connect with TLS and judge the server certificate: issuer, signature, serial >= RN (no date check); prints valid or the error code")
    .requiredOption("--host <host>", "server host")
    .requiredOption("--port <port>", "server port")
    .requiredOption("--state <file>", "device state file")
    .option("--timeout <ms>", "give up after this many milliseconds (default 10000)")
    .action(async (o: { host: string; port: string; state: string; timeout?: string }) => {
      const { deviceCheck } = await import("./deviceRun");
      emit(await deviceCheck(o));
    });

  const generations = device.command("generations").description("follow CA generations by signed CA information (two slots, current and next; logic in deviceGenerations.ts)");

  generations
    .command("init")
    .description("factory step: verify CA information with the distribution key and store it in current")
    .requiredOption("--state <file>", "generations state file (created)")
    .requiredOption("--distribution-key <file>", "the lineage's distribution public key (PEM or SPKI DER)")
    .requiredOption("--ca-info <file>", "CA information (JSON or DER), usually generation 1")
    .action(async (o: { state: string; distributionKey: string; caInfo: string }) => {
      const { generationsInit } = await import("./deviceGenerations");
      emit(await generationsInit(o));
    });

  generations
    .command("poll")
    .description("fetch the CA information announced in current, verify server and signature, store it in next; prints one JSON line")
    .requiredOption("--state <file>", "generations state file")
    .option("--timeout <ms>", "give up after this many milliseconds (default 10000)")
    .action(async (o: { state: string; timeout?: string }) => {
      const { generationsPoll } = await import("./deviceGenerations");
      emit(await generationsPoll(o));
    });

  generations
    .command("check")
    .description("judge a TLS server with current, else next (promoting it), else fetch at once and retry; fails closed; prints one JSON line")
    .requiredOption("--host <host>", "server host")
    .requiredOption("--port <port>", "server port")
    .requiredOption("--state <file>", "generations state file")
    .option("--servername <name>", "SNI to send and the name the certificate must carry (default: the host)")
    .option("--timeout <ms>", "give up after this many milliseconds per connection (default 10000)")
    .action(async (o: { host: string; port: string; state: string; servername?: string; timeout?: string }) => {
      const { generationsCheck } = await import("./deviceGenerations");
      emit(await generationsCheck(o));
    });
}
