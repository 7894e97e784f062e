import { spawn, type ChildProcess } from "node:child_process";

/**
 * A foreign process (python3's sqlite3, not Rootline's driver) that takes SQLite's write
 * lock on `file` with BEGIN IMMEDIATE and holds it for `seconds`. Resolves once the lock
 * is held; `released` resolves when the process has exited (the lock is free).
 */
export async function holdWriteLock(file: string, seconds: number): Promise<{ child: ChildProcess; released: Promise<void>; heldAt: number }> {
  const script = [
    "import sqlite3, sys, time",
    "c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)",
    "c.execute('BEGIN IMMEDIATE')",
    "print('locked', flush=True)",
    "time.sleep(float(sys.argv[2]))",
    "c.execute('ROLLBACK')",
  ].join("\n");
  const child = spawn("python3", ["-c", script, file, String(seconds)], { stdio: ["ignore", "pipe", "inherit"] });
  const released = new Promise<void>((r) => child.once("exit", () => r()));
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("locked")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`python3 lock holder exited ${code} before taking the lock`)));
  });
  return { child, released, heldAt: Date.now() };
}
