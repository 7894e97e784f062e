import type { Command } from "commander";
import { printJson } from "../io";

export function register(program: Command): void {
  const token = program.command("token").description("API tokens for /api/v1 (bearer tokens)");
  token
    .command("create")
    .description("create a token; prints it once as JSON ({token, …}), only its hash is stored")
    .requiredOption("--name <name>", "what the token is for")
    .requiredOption("--role <role>", "operator | auditor")
    .requiredOption("--owner <email>", "the user answerable for it; disabling that user revokes it")
    .option("--ttl-days <days>", "expire after this many days (default: never)")
    .action(async (o: { name: string; role: string; owner: string; ttlDays?: string }) => {
      const { createApiToken } = await import("../../auth/apiTokens");
      const { cliActor } = await import("../../auth/actor");
      const { token: secret, info } = await createApiToken(cliActor(), { name: o.name, role: o.role, owner: o.owner, ttlDays: o.ttlDays });
      printJson({ token: secret, ...info });
    });
  token
    .command("list")
    .description("every token, newest first (never the secrets)")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const { listApiTokens } = await import("../../auth/apiTokens");
      const tokens = await listApiTokens();
      if (o.json) return printJson(tokens);
      const now = Date.now();
      for (const t of tokens) {
        const status = t.revokedAt ? "revoked" : t.expiresAt && t.expiresAt.getTime() <= now ? "expired" : "active";
        process.stdout.write(`${t.id}\t${t.prefix}…\t${t.name}\t${t.role}\t${t.createdBy}\t${status}\t${t.expiresAt?.toISOString() ?? "never"}\n`);
      }
    });
  token
    .command("revoke")
    .description("revoke a token at once (the app honours it within 5 s in other processes)")
    .requiredOption("--id <id>", "the token's id (see `rootline token list`)")
    .action(async (o: { id: string }) => {
      const { revokeApiToken } = await import("../../auth/apiTokens");
      const { cliActor } = await import("../../auth/actor");
      await revokeApiToken(cliActor(), o.id);
      printJson({ id: o.id, revoked: true });
    });
}
