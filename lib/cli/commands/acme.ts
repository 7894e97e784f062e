import type { Command } from "commander";
import { printJson } from "../io";

const collect = (v: string, prev: string[] = []) => [...prev, v];

type PolicyFlags = { issuer: string; allowDns?: string[]; allowIp?: string[]; profile?: string; requireEab?: boolean; disable?: boolean };

/** `rootline acme`: the per-issuer ACME policy and External Account Binding keys (docs/ACME.md). */
export function register(program: Command): void {
  const acme = program.command("acme").description("ACME (RFC 8555) per issuer: which names it certifies, External Account Binding keys");
  acme
    .command("policy")
    .description("set the issuer's whole ACME policy and print it (without setting flags: print the current one)")
    .requiredOption("--issuer <name>", "the issuer (its directory is /acme/<name>/directory)")
    .option("--allow-dns <suffix...>", 'DNS suffixes it certifies: "example.com" = it and every name below; ".example.com" = below only', collect)
    .option("--allow-ip <cidr...>", "IP ranges it certifies, e.g. 10.0.0.0/8 or 2001:db8::/32", collect)
    .option("--profile <name>", "certificate profile for ACME certificates (default: server)")
    .option("--require-eab", "new accounts must bring an External Account Binding (rootline acme eab create)")
    .option("--disable", "turn ACME off for this issuer (the directory answers 404)")
    .option("--json", "print JSON (the default)")
    .action(async (o: PolicyFlags) => {
      const { acmePolicyOf, setAcmePolicy } = await import("../../acme/policy");
      const { cliActor } = await import("../../auth/actor");
      const setting = o.allowDns || o.allowIp || o.profile !== undefined || o.requireEab || o.disable;
      const p = setting
        ? await setAcmePolicy(cliActor(), o.issuer, { enabled: !o.disable, allowDns: o.allowDns ?? [], allowIp: o.allowIp ?? [], profile: o.profile ?? null, requireEab: o.requireEab === true })
        : await acmePolicyOf(o.issuer);
      printJson({ issuer: o.issuer, enabled: p.enabled, allowDns: p.allowDns, allowIp: p.allowIp, profile: p.profile ?? "server", requireEab: p.requireEab, directory: `/acme/${encodeURIComponent(o.issuer)}/directory` });
    });

  const eab = acme.command("eab").description("External Account Binding keys (RFC 8555 7.3.4): one per ACME client, single use");
  eab
    .command("create")
    .description("create a key; prints its kid and HMAC key once (only a sealed copy is kept)")
    .requiredOption("--issuer <name>", "the issuer whose ACME accounts it binds")
    .option("--label <text>", "what or whom it is for", "")
    .action(async (o: { issuer: string; label: string }) => {
      const { createEabKey } = await import("../../acme/eab");
      const { cliActor } = await import("../../auth/actor");
      const k = await createEabKey(cliActor(), o.issuer, o.label);
      printJson({ issuer: o.issuer, keyId: k.keyId, hmacKey: k.hmacKey, label: o.label, certbot: `--eab-kid ${k.keyId} --eab-hmac-key ${k.hmacKey}` });
    });
  eab
    .command("list")
    .description("the issuer's keys, newest first (never the HMAC keys)")
    .requiredOption("--issuer <name>", "the issuer")
    .option("--json", "print JSON")
    .action(async (o: { issuer: string; json?: boolean }) => {
      const { listEabKeys } = await import("../../acme/eab");
      const keys = await listEabKeys(o.issuer);
      if (o.json) return printJson(keys);
      for (const k of keys) process.stdout.write(`${k.keyId}\t${k.status}\t${k.label || "-"}\t${k.createdBy}\t${k.createdAt.toISOString()}\t${k.accountId ?? "-"}\n`);
    });
  eab
    .command("revoke")
    .description("revoke a key: it binds no new account, and the account it bound is deactivated")
    .requiredOption("--kid <keyId>", "the key identifier (see `rootline acme eab list`)")
    .action(async (o: { kid: string }) => {
      const { revokeEabKey } = await import("../../acme/eab");
      const { cliActor } = await import("../../auth/actor");
      await revokeEabKey(cliActor(), o.kid);
      printJson({ keyId: o.kid, revoked: true });
    });
}
