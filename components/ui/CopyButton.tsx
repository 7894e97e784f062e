"use client";
import { useState } from "react";

/** Copies a secret shown once. Falls back to selecting it when the clipboard API is unavailable (plain HTTP). */
export function CopyButton({ text, targetId }: { text: string; targetId: string }) {
  const [state, setState] = useState<"idle" | "copied" | "select">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      const el = document.getElementById(targetId);
      if (el) window.getSelection()?.selectAllChildren(el);
      setState("select");
    }
  }
  return (
    <button type="button" onClick={copy} className="mt-2 rounded border border-emerald-300 bg-white px-2 py-1 text-xs font-medium text-emerald-800 hover:bg-emerald-100">
      {state === "copied" ? "Copied" : state === "select" ? "Selected: press Ctrl+C" : "Copy"}
    </button>
  );
}
