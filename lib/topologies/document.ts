/**
 * The stored topology document (SPEC §4.1, format of lib/rotation and of `rootline plan`).
 * Pure TypeScript with no Node, Next.js or database imports: the editor in the browser uses the
 * same functions as the server, so what the user exports is byte-for-byte what the server stores.
 *
 * Two levels of checking:
 * - structure (this file): JSON types, no unknown keys, unique node ids. A document that fails
 *   here is refused everywhere, because the editor identifies nodes by id and could not show it.
 * - semantics (lib/rotation's parseTopology): links to unknown nodes, unreachable nodes, no direct
 *   node, duplicate links... A document that fails only here is a DRAFT: it may be saved while
 *   the user is still drawing (a node not yet linked is unreachable), the editor shows the errors
 *   on the node or link at fault, and planning the update requires a valid document.
 */
import { DEFAULT_GROUP, parseTopology, type AuthMode, type Topology, type TopologyError } from "../rotation";
import { formatPath, topologySchema } from "../rotation/validate";

/** A node as stored: the defaults resolved, key order fixed (see `canonicalDocument`). */
export interface DocNode {
  id: string;
  direct: boolean;
  label?: string;
  acceptsConnections: boolean;
  x?: number;
  y?: number;
}

/** A link client → server as stored; the group and auth mode are always written out. */
export interface DocLink {
  client: string;
  server: string;
  group: string;
  auth: AuthMode;
}

export interface TopologyDocument {
  nodes: DocNode[];
  links: DocLink[];
}

export const EMPTY_DOCUMENT: TopologyDocument = Object.freeze({ nodes: [], links: [] }) as TopologyDocument;

/**
 * In UTF-8 bytes, as the request body is measured: below the server-action body limit
 * (next.config.js: 1 MB, 1,048,576 bytes), so a too-large import that reaches the server
 * gets this message instead of a transport error; the import form checks the same limit
 * before sending, for what the body limit would refuse. A 1,000-node topology is about 150 kB.
 */
export const MAX_DOCUMENT_BYTES = 900_000;

/** UTF-8 length without encoding the text (pastes can be megabytes). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4; // a surrogate pair: one 4-byte character
      i++;
    } else n += 3;
  }
  return n;
}

/** The field error for a document of `bytes` bytes, or null when it is small enough. */
export function documentSizeError(bytes: number): string | null {
  return bytes > MAX_DOCUMENT_BYTES ? `the topology is too large (${bytes.toLocaleString("en")} bytes; at most ${MAX_DOCUMENT_BYTES.toLocaleString("en")})` : null;
}

export type StructureResult = { ok: true; document: TopologyDocument } | { ok: false; errors: TopologyError[] };

/**
 * Checks the structure and returns the canonical document: link group/auth and node
 * direct/acceptsConnections filled in exactly as parseTopology fills them, positions rounded.
 */
export function parseDocument(input: unknown): StructureResult {
  const parsed = topologySchema.safeParse(input);
  if (!parsed.success) {
    const raw = input as { nodes?: unknown } | null;
    const errors = parsed.error.issues.map((issue): TopologyError => {
      const error: TopologyError = { path: formatPath(issue.path), message: issue.message };
      const [head, index] = issue.path;
      if (head === "links" && typeof index === "number") error.linkIndex = index;
      if (head === "nodes" && typeof index === "number" && raw && Array.isArray(raw.nodes)) {
        const id = (raw.nodes[index] as { id?: unknown } | null)?.id;
        if (typeof id === "string" && id !== "") error.nodeId = id;
      }
      return error;
    });
    return { ok: false, errors };
  }
  const { nodes, links } = parsed.data;
  const seen = new Map<string, number>();
  const errors: TopologyError[] = [];
  nodes.forEach((n, i) => {
    const first = seen.get(n.id);
    if (first === undefined) seen.set(n.id, i);
    else errors.push({ path: `nodes[${i}].id`, nodeId: n.id, message: `duplicate node id "${n.id}" (already used by nodes[${first}])` });
  });
  if (errors.length > 0) return { ok: false, errors };
  const servers = new Set(links.map((l) => l.server));
  return {
    ok: true,
    document: canonicalDocument({
      nodes: nodes.map((n) => ({ ...n, direct: n.direct ?? false, acceptsConnections: n.acceptsConnections ?? servers.has(n.id) })),
      links: links.map((l) => ({ client: l.client, server: l.server, group: l.group ?? DEFAULT_GROUP, auth: l.auth ?? "mutual" })),
    }),
  };
}

/** Fixed key order, empty labels dropped, positions rounded to whole pixels: stable exports and diffs. */
export function canonicalDocument(doc: TopologyDocument): TopologyDocument {
  return {
    nodes: doc.nodes.map((n) => {
      // Built key by key: JSON.stringify keeps insertion order, which is the canonical order.
      const out = { id: n.id, direct: n.direct } as DocNode;
      if (n.label !== undefined && n.label.trim() !== "") out.label = n.label;
      out.acceptsConnections = n.acceptsConnections;
      if (n.x !== undefined && n.y !== undefined) {
        out.x = Math.round(n.x);
        out.y = Math.round(n.y);
      }
      return out;
    }),
    links: doc.links.map((l) => ({ client: l.client, server: l.server, group: l.group, auth: l.auth })),
  };
}

/** The semantic check (lib/rotation): the validated topology, or errors naming the node or link at fault. */
export function validateDocument(doc: TopologyDocument): { ok: true; topology: Topology } | { ok: false; errors: TopologyError[] } {
  return parseTopology(doc);
}

/** Parses pasted or uploaded JSON text; `errors` carry paths, node ids and link indices. */
export function parseDocumentText(text: string): StructureResult {
  const tooLarge = documentSizeError(utf8Length(text));
  if (tooLarge) return { ok: false, errors: [{ path: "", message: tooLarge }] };
  const trimmed = text.replace(/^\uFEFF/, "").trim();
  if (trimmed === "") return { ok: false, errors: [{ path: "", message: "the topology is empty: paste JSON or choose a file" }] };
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (err) {
    return { ok: false, errors: [{ path: "", message: `not valid JSON: ${(err as Error).message}` }] };
  }
  return parseDocument(json);
}

/** The export format: canonical, 2-space indented, trailing newline. */
export function documentToJson(doc: TopologyDocument): string {
  return JSON.stringify(canonicalDocument(doc), null, 2) + "\n";
}

/** Compact JSON for storage. */
export function documentToStorage(doc: TopologyDocument): string {
  return JSON.stringify(canonicalDocument(doc));
}

/** "links[3] (40-3 → 30-2): message" — where the error is, then what it is. */
export function describeError(doc: TopologyDocument, e: TopologyError): string {
  if (e.linkIndex !== undefined) {
    const l = doc.links[e.linkIndex];
    const where = l ? `links[${e.linkIndex}] (${l.client} → ${l.server})` : e.path;
    return `${where}: ${e.message}`;
  }
  return e.path ? `${e.path}: ${e.message}` : e.message;
}

/** One message for a list of errors (an InputError has one message); the first few, then a count. */
export function summarizeErrors(doc: TopologyDocument | null, errors: readonly TopologyError[], max = 5): string {
  const shown = errors.slice(0, max).map((e) => (doc ? describeError(doc, e) : e.path ? `${e.path}: ${e.message}` : e.message));
  const more = errors.length > max ? `; and ${errors.length - max} more` : "";
  return shown.join("; ") + more;
}

export interface DocumentSummary {
  nodes: number;
  links: number;
  /** Root key groups, in order of first appearance. */
  groups: string[];
  valid: boolean;
  errors: TopologyError[];
}

export function summarize(doc: TopologyDocument): DocumentSummary {
  const groups = [...new Set(doc.links.map((l) => l.group))];
  const v = validateDocument(doc);
  return { nodes: doc.nodes.length, links: doc.links.length, groups, valid: v.ok, errors: v.ok ? [] : v.errors };
}

/** `Plant A / line 2` → `Plant-A-line-2.topology.json`: safe in a Content-Disposition header and on any disk. */
export function exportFilename(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "topology";
  return `${safe}.topology.json`;
}
