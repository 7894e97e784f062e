/** A change as key-by-key rows and one line, for the audit table's compact column. */
export interface ChangeView {
  summary: string;
  rows: { key: string; before?: string; after?: string }[];
}

function parse(s: string | null): unknown {
  if (s === null) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function show(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function changeView(before: string | null, after: string | null): ChangeView {
  const b = parse(before);
  const a = parse(after);
  let rows: ChangeView["rows"];
  if ((b === undefined || isObject(b)) && (a === undefined || isObject(a))) {
    const keys = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])];
    rows = keys.map((key) => ({
      key,
      ...(b && key in b ? { before: show(b[key]) } : {}),
      ...(a && key in a ? { after: show(a[key]) } : {}),
    }));
  } else {
    rows = [{ key: "value", ...(b !== undefined ? { before: show(b) } : {}), ...(a !== undefined ? { after: show(a) } : {}) }];
  }
  const summary = rows
    .map((r) => (r.before !== undefined && r.after !== undefined ? (r.before === r.after ? null : `${r.key}: ${r.before} → ${r.after}`) : r.after !== undefined ? `${r.key}: ${r.after}` : `${r.key}: was ${r.before}`))
    .filter((s): s is string => s !== null)
    .join(" · ");
  return { summary, rows };
}
