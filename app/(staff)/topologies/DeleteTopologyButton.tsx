"use client";
import { deleteTopologyAction } from "./actions";

/** Deleting cannot be undone from the UI (the audit log keeps a digest), so it asks first. */
export function DeleteTopologyButton({ id, name }: { id: string; name: string }) {
  return (
    <form
      action={deleteTopologyAction}
      className="inline"
      onSubmit={(e) => {
        if (!window.confirm(`Delete the topology "${name}"? This cannot be undone.`)) e.preventDefault();
      }}
    >
      <input type="hidden" name="id" value={id} />
      <button type="submit" className="text-sm text-red-700 hover:underline">Delete</button>
    </form>
  );
}
