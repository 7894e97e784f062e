import fs from "node:fs";
import path from "node:path";
import { databaseFile } from "../config";

/**
 * Which processes have the master key loaded, as one file per process
 * (`<database dir>/run/<pid>.key`) removed at exit. Master-key rotation refuses while
 * another live process is listed: that process would keep sealing and MACing with the
 * old key (it reads ROOTLINE_MASTER_KEY or master.key once). A crashed process leaves its
 * file behind; a file whose pid is not alive on this host is stale and ignored.
 */
function runDir(): string {
  return path.join(path.dirname(databaseFile()), "run");
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // alive, another user's
  }
}

let registered: string | undefined;

export function registerKeyHolder(): void {
  const file = path.join(runDir(), `${process.pid}.key`);
  if (registered === file) return;
  try {
    fs.mkdirSync(runDir(), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, JSON.stringify({ pid: process.pid, since: new Date().toISOString(), argv: process.argv.slice(1, 4) }) + "\n", { mode: 0o600 });
  } catch {
    return; // a read-only data directory: rotation then cannot see this process
  }
  if (registered === undefined) process.once("exit", () => registered && fs.rmSync(registered, { force: true }));
  registered = file;
}

export interface KeyHolder {
  pid: number;
  since: string;
  argv: string[];
}

/** Live processes other than this one that hold the master key; stale files are removed. */
export function otherKeyHolders(): KeyHolder[] {
  let names: string[];
  try {
    names = fs.readdirSync(runDir());
  } catch {
    return [];
  }
  const out: KeyHolder[] = [];
  for (const name of names) {
    const m = /^(\d+)\.key$/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    const pid = Number(m[1]);
    if (!alive(pid)) {
      fs.rmSync(path.join(runDir(), name), { force: true });
      continue;
    }
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(runDir(), name), "utf8")) as KeyHolder);
    } catch {
      out.push({ pid, since: "", argv: [] });
    }
  }
  return out;
}
