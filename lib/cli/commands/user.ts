import type { Command } from "commander";
import { InputError } from "../../errors";
import { printJson, readStdin } from "../io";

export function register(program: Command): void {
  const user = program.command("user").description("manage staff accounts");
  user
    .command("create")
    .description("create a user; the password is read from standard input")
    .requiredOption("--email <email>", "sign-in email")
    .requiredOption("--role <role>", "administrator | operator | auditor")
    .option("--name <name>", "display name", "")
    .action(async (o: { email: string; role: string; name: string }) => {
      const { createUser } = await import("../../auth/users");
      const { cliActor } = await import("../../auth/actor");
      const password = (await readStdin()).replace(/\r?\n$/, "");
      if (!password) throw new InputError("password", "no password on standard input (e.g. `echo 'secret…' | rootline user create …`)");
      const u = await createUser(cliActor(), { email: o.email, role: o.role, name: o.name, password });
      printJson({ id: u.id, email: u.email, role: u.role });
    });
  user
    .command("set-role")
    .description("change a user's role; refused when it would leave no active administrator")
    .requiredOption("--email <email>", "the user's sign-in email")
    .requiredOption("--role <role>", "administrator | operator | auditor")
    .action(async (o: { email: string; role: string }) => {
      const { setUserRole } = await import("../../auth/users");
      const { cliActor } = await import("../../auth/actor");
      const u = await setUserRole(cliActor(), { email: o.email }, o.role);
      printJson({ id: u.id, email: u.email, role: u.role });
    });
  user
    .command("list")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const { listUsers } = await import("../../auth/users");
      const users = await listUsers();
      if (o.json) printJson(users);
      else for (const u of users) process.stdout.write(`${u.email}\t${u.role}${u.disabledAt ? "\tdisabled" : ""}\n`);
    });
}
