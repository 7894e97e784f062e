import { createHash } from "node:crypto";

/** SNI name that selects a group's secure context (docs/ROTATION_RUNS.md). */
export function sniName(group: string): string {
  return `g-${createHash("sha256").update(group).digest("hex").slice(0, 16)}.rootline.invalid`;
}
