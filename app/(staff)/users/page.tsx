import Link from "next/link";
import { listUsers } from "@/lib/auth";
import { Badge, Card, PageHeader } from "@/components/ui/Card";
import { Table, Td, Th } from "@/components/ui/Table";
import { requireUser } from "@/app/_lib/session";
import { NewUserForm } from "./NewUserForm";
import { setDisabledAction } from "./actions";

export const metadata = { title: "Users" };

export default async function UsersPage() {
  const me = await requireUser("users:manage");
  const users = await listUsers();
  return (
    <>
      <PageHeader title="Users" subtitle="Staff accounts and their roles. Open a user to change the role, make a password reset link or sign them out everywhere. Disabling an account ends its sessions and revokes the API tokens it owns." />
      <Table>
        <thead><tr><Th>Email</Th><Th>Name</Th><Th>Role</Th><Th>Created</Th><Th>Status</Th><Th /></tr></thead>
        <tbody className="divide-y divide-slate-100">
          {users.map((u) => (
            <tr key={u.id}>
              <Td className="font-medium"><Link href={`/users/${u.id}`} className="text-indigo-700 hover:underline">{u.email}</Link></Td>
              <Td>{u.name}</Td>
              <Td><Badge tone={u.role === "administrator" ? "indigo" : "slate"}>{u.role}</Badge></Td>
              <Td>{u.createdAt.toISOString().slice(0, 10)}</Td>
              <Td>{u.disabledAt ? <Badge tone="red">disabled</Badge> : <Badge tone="green">active</Badge>}</Td>
              <Td className="text-right">
                {u.id !== me.id && (
                  <form action={setDisabledAction}>
                    <input type="hidden" name="userId" value={u.id} />
                    <input type="hidden" name="disabled" value={u.disabledAt ? "0" : "1"} />
                    <button className="text-sm text-indigo-700 hover:underline">{u.disabledAt ? "Enable" : "Disable"}</button>
                  </form>
                )}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
      <Card title="New user" className="mt-6"><NewUserForm /></Card>
    </>
  );
}
