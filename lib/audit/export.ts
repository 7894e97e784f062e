import { actionLabel } from "./labels";
import { auditEventsForExport, type AuditFilter, type AuditRow } from "./query";

export type AuditExportFormat = "csv" | "jsonl";

const CSV_COLUMNS = ["seq", "at", "actor", "action", "label", "targetType", "targetId", "before", "after", "prevHash", "hash"] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break, quotes
 * doubled. A cell a spreadsheet would run as a formula (= + - @, or a tab/CR before one)
 * gets a leading apostrophe: actor names, proxy names and reasons are typed by people.
 */
export function csvCell(value: string | number | null): string {
  let s = value === null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function cells(e: AuditRow): (string | number | null)[] {
  return [e.seq, e.at.toISOString(), e.actor, e.action, actionLabel(e.action), e.targetType, e.targetId, e.before, e.after, e.prevHash, e.hash];
}

export function csvHeader(): string {
  return CSV_COLUMNS.join(",") + "\r\n";
}

export function csvLine(e: AuditRow): string {
  return cells(e).map(csvCell).join(",") + "\r\n";
}

/** The stored JSON of before/after as JSON again (not a string inside a string). */
function parsed(s: string | null): unknown {
  if (s === null) return null;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** One JSON object per line; JSON.stringify escapes line breaks inside values, so a line is an entry. */
export function jsonLine(e: AuditRow): string {
  return JSON.stringify({ seq: e.seq, at: e.at.toISOString(), actor: e.actor, action: e.action, label: actionLabel(e.action), targetType: e.targetType, targetId: e.targetId, before: parsed(e.before), after: parsed(e.after), prevHash: e.prevHash, hash: e.hash }) + "\n";
}

/** The filtered log, oldest first, as a byte stream read batch by batch (./query.ts). */
export function auditExportStream(filter: AuditFilter, format: AuditExportFormat): ReadableStream<Uint8Array> {
  const rows = auditEventsForExport(filter);
  const enc = new TextEncoder();
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk = "";
      if (!started && format === "csv") chunk += csvHeader();
      started = true;
      // Up to ~200 entries per chunk: fewer, larger writes than one per line.
      for (let i = 0; i < 200; i++) {
        const next = await rows.next();
        if (next.done) {
          if (chunk) controller.enqueue(enc.encode(chunk));
          controller.close();
          return;
        }
        chunk += format === "csv" ? csvLine(next.value) : jsonLine(next.value);
      }
      controller.enqueue(enc.encode(chunk));
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
}
