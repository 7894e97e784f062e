/**
 * Atomic file writes for every process that keeps state in files (agents, devices, the
 * proxy): a temporary file in the same directory, fsync, rename, then fsync of the
 * directory, so a crash leaves either the previous or the new content, never a torn one.
 * The sync form is for the device CLI, whose read-modify-write runs under a file lock.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";

/** Beside the target (rename is atomic only within one filesystem), unique per writer. */
function tempPath(path: string): string {
  return join(dirname(resolve(path)), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * `durable: false` skips both fsyncs (still atomic: readers see the old or the new file): for
 * views such as status.json, rewritten every few seconds by each of a thousand agents, where
 * losing the last version to a power cut costs nothing and an fsync costs milliseconds.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, o: { durable?: boolean } = {}): Promise<void> {
  const durable = o.durable ?? true;
  const dir = dirname(resolve(path));
  const tmp = tempPath(path);
  const fh = await open(tmp, "wx", mode);
  try {
    await fh.writeFile(data);
    if (durable) await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  if (durable) await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename itself durable; some filesystems refuse fsync on a directory.
  const d = await open(dir, "r").catch(() => null);
  if (!d) return;
  try {
    await d.sync();
  } catch {
    // not supported here: the rename is still atomic
  } finally {
    await d.close();
  }
}

export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = tempPath(path);
  const fd = fs.openSync(tmp, "wx", mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, path);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  // Make the rename itself durable (a power cut must not bring back a device's old RN).
  try {
    const dfd = fs.openSync(dirname(resolve(path)), "r");
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // some filesystems refuse fsync on a directory: the rename is still atomic
  }
}
