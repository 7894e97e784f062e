import fs from "node:fs";
import { InputError } from "../errors";

/** Thrown by a command to end with a given exit code after it has printed its result. */
export class CliExit extends Error {
  constructor(public readonly code: number) {
    super(`exit ${code}`);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v), 2) + "\n");
}

export function readFileArg(file: string, field: string, maxBytes = 1024 * 1024): Buffer {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new InputError(field, `cannot read ${file}: no such file`);
  }
  if (!st.isFile()) throw new InputError(field, `${file} is not a file`);
  if (st.size > maxBytes) throw new InputError(field, `${file} is too large (${st.size} bytes; at most ${maxBytes})`, 413);
  return fs.readFileSync(file);
}

export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function parsePositiveInt(value: string, field: string): number {
  if (!/^\d+$/.test(value) || Number(value) <= 0 || !Number.isSafeInteger(Number(value))) throw new InputError(field, `${field} must be a positive whole number, got "${value}"`);
  return Number(value);
}
