"use client";
import { deleteProxyAction } from "../actions";

/** Forgets the proxy and its reported decisions (the audit log keeps the record), so it asks first. */
export function DeleteProxyButton({ id, name }: { id: string; name: string }) {
  return (
    <form
      action={deleteProxyAction}
      onSubmit={(e) => {
        if (!window.confirm(`Delete the proxy "${name}" and its reported decisions? Its certificates stay valid until you revoke them.`)) e.preventDefault();
      }}
    >
      <input type="hidden" name="id" value={id} />
      <button type="submit" className="rounded-md px-3.5 py-2 text-sm font-semibold text-red-700 ring-1 ring-red-200 hover:bg-red-50">Delete proxy</button>
    </form>
  );
}
