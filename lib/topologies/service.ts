/**
 * Stored topologies (SPEC §6 "Topology editor"): list, read, create, import, rename, save, delete,
 * export. Every write checks the document's structure, then changes the row and appends its audit
 * entry in one transaction. Drafts (semantically invalid documents) may be saved; see document.ts.
 */
import crypto from "node:crypto";
import { z } from "zod";
import { appendAudit } from "../audit";
import { type Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import { db } from "../db";
import { ConflictError, InputError, NotFoundError } from "../errors";
import type { TopologyError } from "../rotation";
import { parseOrThrow } from "../validation";
import {
  documentToJson,
  exportFilename,
  documentToStorage,
  EMPTY_DOCUMENT,
  parseDocument,
  parseDocumentText,
  summarize,
  summarizeErrors,
  type TopologyDocument,
} from "./document";

export const TOPOLOGY_NAME = z
  .string({ error: "the name is required" })
  .trim()
  .min(1, "the name is required")
  .max(100, "at most 100 characters")
  // Names show in lists, file names and the audit log; control characters would garble all three.
  .regex(/^[^\p{Cc}]+$/u, "the name must not contain control characters");

export interface TopologyRecord {
  id: string;
  name: string;
  document: TopologyDocument;
  /** Semantic errors (empty when the topology is valid and can be planned). */
  errors: TopologyError[];
  createdAt: Date;
  updatedAt: Date;
}

export interface TopologyListRow {
  id: string;
  name: string;
  nodes: number;
  links: number;
  groups: string[];
  valid: boolean;
  errorCount: number;
  updatedAt: Date;
}

/** Structure check of a document given as an object; InputError on `field` naming the node/link. */
function structured(input: unknown, field: string): TopologyDocument {
  const r = parseDocument(input);
  if (!r.ok) throw new InputError(field, `the topology cannot be stored: ${summarizeErrors(null, r.errors)}`);
  return r.document;
}

/** What the audit log keeps of a document: counts and a digest, not 150 kB of JSON per save. */
function auditView(name: string, stored: string, doc: TopologyDocument) {
  const s = summarize(doc);
  return { name, nodes: s.nodes, links: s.links, groups: s.groups, valid: s.valid, sha256: crypto.createHash("sha256").update(stored).digest("hex") };
}

function readStored(row: { id: string; document: string }): TopologyDocument {
  // Every write went through parseDocument, so a failure here means the row was edited by hand.
  let json: unknown;
  try {
    json = JSON.parse(row.document);
  } catch {
    throw new Error(`topology ${row.id}: the stored document is not JSON`);
  }
  const r = parseDocument(json);
  if (!r.ok) throw new Error(`topology ${row.id}: the stored document is malformed: ${summarizeErrors(null, r.errors)}`);
  return r.document;
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2002";
}

function nameTaken(name: string): ConflictError {
  return new ConflictError("name", `a topology named "${name}" already exists`);
}

export async function listTopologies(): Promise<TopologyListRow[]> {
  const rows = await db().topology.findMany({ orderBy: { name: "asc" } });
  return rows.map((row) => {
    const s = summarize(readStored(row));
    return { id: row.id, name: row.name, nodes: s.nodes, links: s.links, groups: s.groups, valid: s.valid, errorCount: s.errors.length, updatedAt: row.updatedAt };
  });
}

export async function getTopology(id: string): Promise<TopologyRecord> {
  const row = await db().topology.findUnique({ where: { id } });
  if (!row) throw new NotFoundError("id", `no topology with id "${id}"`);
  const document = readStored(row);
  return { id: row.id, name: row.name, document, errors: summarize(document).errors, createdAt: row.createdAt, updatedAt: row.updatedAt };
}

async function insert(actor: Actor, name: string, doc: TopologyDocument): Promise<TopologyRecord> {
  const stored = documentToStorage(doc);
  try {
    const row = await db().$transaction(async (tx) => {
      if (await tx.topology.findUnique({ where: { name }, select: { id: true } })) throw nameTaken(name);
      const created = await tx.topology.create({ data: { name, document: stored } });
      await appendAudit(tx, actor, { action: "topology.create", targetType: "topology", targetId: created.id, after: auditView(name, stored, doc) });
      return created;
    });
    return { id: row.id, name: row.name, document: doc, errors: summarize(doc).errors, createdAt: row.createdAt, updatedAt: row.updatedAt };
  } catch (err) {
    // Two creators raced past the check: the unique index decides, and the loser hears why.
    if (isUniqueViolation(err)) throw nameTaken(name);
    throw err;
  }
}

/** A new topology: a name and, optionally, a document (a draft is fine; the structure must hold). */
export async function createTopology(actor: Actor, input: { name: unknown; document?: unknown }): Promise<TopologyRecord> {
  requirePermission(actor.role, "topologies:write");
  const name = parseOrThrow(TOPOLOGY_NAME, input.name, "name");
  const doc = input.document === undefined ? EMPTY_DOCUMENT : structured(input.document, "document");
  return insert(actor, name, doc);
}

/**
 * Imports JSON text (pasted or a file's contents). By default the topology must be valid, as for
 * `rootline plan`; with `allowDraft` a semantically invalid one is kept to be fixed in the editor.
 * Either way the error names the node or link at fault.
 */
export async function importTopology(actor: Actor, input: { name: unknown; text: string; allowDraft?: boolean }): Promise<TopologyRecord> {
  requirePermission(actor.role, "topologies:write");
  const name = parseOrThrow(TOPOLOGY_NAME, input.name, "name");
  const parsed = parseDocumentText(input.text);
  if (!parsed.ok) throw new InputError("document", summarizeErrors(null, parsed.errors));
  if (!input.allowDraft) {
    const s = summarize(parsed.document);
    if (!s.valid)
      throw new InputError(
        "document",
        `the topology is not valid (${s.errors.length} ${s.errors.length === 1 ? "error" : "errors"}): ${summarizeErrors(parsed.document, s.errors)}. ` +
          "Fix the file, or import it as a draft and fix it in the editor.",
      );
  }
  return insert(actor, name, parsed.document);
}

async function update(
  actor: Actor,
  id: string,
  change: (row: { name: string; document: string }) => { name: string; doc: TopologyDocument },
  expectedUpdatedAt?: Date,
): Promise<TopologyRecord> {
  try {
    const row = await db().$transaction(async (tx) => {
      const before = await tx.topology.findUnique({ where: { id } });
      if (!before) throw new NotFoundError("id", `no topology with id "${id}"`);
      const next = change(before);
      const stored = documentToStorage(next.doc);
      if (next.name !== before.name && (await tx.topology.findUnique({ where: { name: next.name }, select: { id: true } }))) throw nameTaken(next.name);
      // Compare-and-set on updatedAt: a save based on an older version must not silently
      // overwrite someone else's work.
      const where = expectedUpdatedAt ? { id, updatedAt: expectedUpdatedAt } : { id };
      const { count } = await tx.topology.updateMany({ where, data: { name: next.name, document: stored } });
      if (count === 0)
        throw new ConflictError(
          "document",
          `"${before.name}" was saved by someone else at ${before.updatedAt.toISOString().replace("T", " ").slice(0, 19)} UTC after you opened it. ` +
            "Export your version, reload, and merge the changes.",
        );
      await appendAudit(tx, actor, {
        action: "topology.update",
        targetType: "topology",
        targetId: id,
        before: auditView(before.name, before.document, readStored(before)),
        after: auditView(next.name, stored, next.doc),
      });
      return tx.topology.findUniqueOrThrow({ where: { id } });
    });
    const doc = readStored(row);
    return { id: row.id, name: row.name, document: doc, errors: summarize(doc).errors, createdAt: row.createdAt, updatedAt: row.updatedAt };
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError("name", "another topology already has this name");
    throw err;
  }
}

/** Renames; with `expectedUpdatedAt` (the editor's version) it is refused over a newer save, like a save. */
export async function renameTopology(actor: Actor, id: string, name: unknown, options: { expectedUpdatedAt?: Date | string } = {}): Promise<TopologyRecord> {
  requirePermission(actor.role, "topologies:write");
  const next = parseOrThrow(TOPOLOGY_NAME, name, "name");
  return update(actor, id, (row) => ({ name: next, doc: readStored({ id, document: row.document }) }), expectedVersion(options.expectedUpdatedAt));
}

function expectedVersion(value: Date | string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InputError("expectedUpdatedAt", "not a valid timestamp");
  return d;
}

/**
 * Saves the editor's document (drafts included). `expectedUpdatedAt` is the version the editor
 * loaded; a save over a newer version is refused with a ConflictError.
 */
export async function saveTopologyDocument(actor: Actor, id: string, document: unknown, options: { expectedUpdatedAt?: Date | string } = {}): Promise<TopologyRecord> {
  requirePermission(actor.role, "topologies:write");
  const doc = structured(document, "document");
  return update(actor, id, (row) => ({ name: row.name, doc }), expectedVersion(options.expectedUpdatedAt));
}

export async function deleteTopology(actor: Actor, id: string): Promise<void> {
  requirePermission(actor.role, "topologies:write");
  await db().$transaction(async (tx) => {
    const row = await tx.topology.findUnique({ where: { id } });
    if (!row) throw new NotFoundError("id", `no topology with id "${id}"`);
    await tx.topology.delete({ where: { id } });
    await appendAudit(tx, actor, { action: "topology.delete", targetType: "topology", targetId: id, before: auditView(row.name, row.document, readStored(row)) });
  });
}

/** The canonical JSON of the stored document, named after the topology. */
export async function exportTopology(id: string): Promise<{ filename: string; body: string }> {
  const t = await getTopology(id);
  return { filename: exportFilename(t.name), body: documentToJson(t.document) };
}
