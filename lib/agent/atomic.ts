/**
 * Atomic file writes (docs/ROTATION_RUNS.md): a temporary file in the same directory, fsync,
 * rename, then fsync of the directory, so a crash leaves either the previous or the new content.
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * `durable: false` skips both fsyncs (still atomic: readers see the old or the new file): for
 * views such as status.json, rewritten every few seconds by each of a thousand agents, where
 * losing the last version to a power cut costs nothing and an fsync costs milliseconds.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, o: { durable?: boolean } = {}): Promise<void> {
  const durable = o.durable ?? true;
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
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
