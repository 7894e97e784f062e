import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { InputError } from "../errors";

/**
 * A Rootline backup is a plain (ustar) tar file, so an operator can look into it with
 * `tar tvf`: `manifest.json` first, then the one database part (`rootline.db`, a SQLite
 * snapshot, or `rootline.pgdump`, `pg_dump -Fc`). The manifest names the master key by
 * its id only: the key is never in the backup.
 */
export const BACKUP_FORMAT = "rootline-backup";
export const BACKUP_VERSION = 1;
export const MANIFEST = "manifest.json";

const Part = z.object({ name: z.enum(["rootline.db", "rootline.pgdump"]), size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });

export const Manifest = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.number().int(),
  createdAt: z.string(),
  database: z.enum(["sqlite", "postgresql"]),
  /** The last applied migration (prisma/migrations folder name): the schema level. */
  migration: z.string(),
  /** Id (hex, sha256(key)[0..8]) of the master key that seals the keys and MACs the audit anchor. */
  masterKeyId: z.string().regex(/^[0-9a-f]{16}$/),
  counts: z.object({ issuers: z.number().int(), certificates: z.number().int(), auditEvents: z.number().int() }),
  /** The audit log's head in the snapshot (seq 0: empty log). */
  auditHead: z.object({ seq: z.number().int(), hash: z.string() }),
  parts: z.array(Part).length(1),
});
export type Manifest = z.infer<typeof Manifest>;
export type Counts = Manifest["counts"];

export function sha256File(file: string): string {
  const h = crypto.createHash("sha256");
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest("hex");
}

export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function fsyncDir(dir: string): void {
  fsyncFile(dir);
}

function tar(args: string[]): void {
  const r = spawnSync("tar", args, { encoding: "utf8" });
  if (r.error) throw new Error(`cannot run tar: ${r.error.message}`);
  if (r.status !== 0) throw new InputError("from", `the backup is not a readable tar file (damaged or not a Rootline backup): ${r.stderr.trim()}`);
}

/** Writes `out` atomically (temp file beside it, fsync, rename): the manifest, then the part from `dir`. */
export function writeBackupFile(out: string, dir: string, manifest: Manifest): void {
  fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
  const tmp = `${out}.partial-${process.pid}`;
  try {
    tar(["--format=ustar", "-cf", tmp, "-C", dir, MANIFEST, manifest.parts[0].name]);
    fs.chmodSync(tmp, 0o600); // the snapshot holds sealed keys and the audit log
    fsyncFile(tmp);
    fs.renameSync(tmp, out);
    fsyncDir(path.dirname(path.resolve(out)));
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Unpacks `file` into `dir` and checks it: a manifest this version understands, exactly the
 * part it names, with the size and SHA-256 it names. Returns the manifest and the part's path.
 */
export function readBackupFile(file: string, dir: string): { manifest: Manifest; part: string } {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new InputError("from", `cannot read ${file}: no such file`);
  }
  if (!st.isFile()) throw new InputError("from", `${file} is not a file`);
  tar(["-tf", file]);
  const names = spawnSync("tar", ["-tf", file], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  if (names[0] !== MANIFEST || names.length !== 2 || !Part.shape.name.safeParse(names[1]).success) {
    throw new InputError("from", `${file} is not a Rootline backup (expected ${MANIFEST} and one database part, found: ${names.join(", ") || "nothing"})`);
  }
  tar(["-xf", file, "-C", dir, "--no-same-owner", "--no-same-permissions", MANIFEST, names[1]]);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), "utf8"));
  } catch {
    throw new InputError("from", `the backup's ${MANIFEST} is not valid JSON: the backup is damaged`);
  }
  if ((raw as { format?: unknown })?.format !== BACKUP_FORMAT) throw new InputError("from", `${file} is not a Rootline backup (its manifest's format is not "${BACKUP_FORMAT}")`);
  if ((raw as { version?: unknown }).version !== BACKUP_VERSION) throw new InputError("from", `the backup has format version ${String((raw as { version?: unknown }).version)}; this Rootline reads version ${BACKUP_VERSION}`);
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success) throw new InputError("from", `the backup's manifest is damaged: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const manifest = parsed.data;
  const want = manifest.parts[0];
  if (want.name !== names[1]) throw new InputError("from", `the backup's manifest names ${want.name} but the file holds ${names[1]}: the backup is damaged`);
  const part = path.join(dir, want.name);
  const size = fs.statSync(part).size;
  if (size !== want.size) throw new InputError("from", `${want.name} is ${size} bytes, the manifest says ${want.size}: the backup is damaged or truncated`);
  if (sha256File(part) !== want.sha256) throw new InputError("from", `${want.name}'s SHA-256 does not match the manifest: the backup is damaged or was altered`);
  return { manifest, part };
}
