import { readFileArg } from "../io";
import { InputError } from "../../errors";
import { MAX_OBJECT_BYTES } from "../../pki/pem";
import { revocationNumberToJson } from "../../revocation-info/infoJson";
import { fetchRevocation } from "../../device/remote";
import { trust } from "../../device/state";
import { loadState, updateStateFile } from "../../device/stateFile";
import { checkTlsServer } from "../../device/tlsCheck";
import { applyFetched, type UpdateOutcome, type UpdateResult } from "../../device/update";

/**
 * The logic of `rootline device trust|fetch|check`, as functions that return what to
 * print and the exit code (device.ts beside it only wires them to commander).
 * Exit codes: 0 success; 1 rejected; 2 bad input or usage (InputError, via the CLI's
 * main); 3 unreachable — nothing changed, try again later.
 */

export interface CommandOutput {
  stdout: string;
  stderr?: string;
  exitCode: number;
}

export const EXIT = { ok: 0, rejected: 1, usage: 2, unreachable: 3 } as const;

export const FETCH_EXIT: Readonly<Record<UpdateResult, number>> = {
  updated: EXIT.ok,
  unchanged: EXIT.ok,
  "rejected-smaller": EXIT.rejected,
  "rejected-above-repository": EXIT.rejected,
  "bad-signature": EXIT.rejected,
  malformed: EXIT.rejected,
  "unknown-issuer": EXIT.rejected,
  "wrong-issuer": EXIT.rejected,
  "repository-rejected": EXIT.rejected,
  unreachable: EXIT.unreachable,
};

const rn = (v: bigint | null | undefined) => (v === null || v === undefined ? null : revocationNumberToJson(v));

/** One line of JSON; RNs as numbers up to 2^53 - 1, decimal strings above. */
export function outcomeJson(o: UpdateOutcome): Record<string, unknown> {
  return {
    result: o.result,
    form: o.form,
    issuer: o.issuer,
    revocationNumber: rn(o.revocationNumber),
    previous: rn(o.previous),
    received: rn(o.received),
    ...(o.repositorySerial !== undefined ? { repositorySerial: rn(o.repositorySerial) } : {}),
    ...(o.code ? { code: o.code } : {}),
    ...(o.detail ? { detail: o.detail } : {}),
  };
}

function parseTimeout(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[1-9][0-9]{0,6}$/.test(v)) throw new InputError("timeout", `--timeout must be milliseconds between 1 and 9999999, got "${v}"`);
  return Number(v);
}

export interface TrustOptions {
  ca: string;
  state: string;
  issuer?: string;
}

export async function deviceTrust(o: TrustOptions): Promise<CommandOutput> {
  const bytes = new Uint8Array(readFileArg(o.ca, "ca", MAX_OBJECT_BYTES));
  const t = await updateStateFile(o.state, (s) => {
    const r = trust(s, bytes, o.issuer ?? null);
    return { state: r.state, result: r };
  }, true);
  const line = {
    result: t.change,
    subject: t.ca.certificate.subject,
    keySha256: t.ca.keySha256,
    issuer: t.ca.issuerName,
    revocationNumber: rn(t.ca.revocationNumber),
  };
  return { stdout: JSON.stringify(line) + "\n", exitCode: EXIT.ok };
}

export interface FetchOptions {
  repository: string;
  issuer: string;
  state: string;
  bare?: boolean;
  timeout?: string;
}

export async function deviceFetch(o: FetchOptions): Promise<CommandOutput> {
  const timeoutMs = parseTimeout(o.timeout);
  // The network step judges against the state as it was; the decision is then taken
  // against the state as it is on disk, under the lock (another run may have moved it).
  const fetched = await fetchRevocation(loadState(o.state), { repository: o.repository, issuer: o.issuer, bare: o.bare, timeoutMs });
  const outcome = await updateStateFile(o.state, async (s) => {
    const a = await applyFetched(s, fetched);
    return { state: a.state, result: a.outcome };
  });
  return { stdout: JSON.stringify(outcomeJson(outcome)) + "\n", exitCode: FETCH_EXIT[outcome.result] };
}

export interface CheckOptions {
  host: string;
  port: string;
  state: string;
  timeout?: string;
}

export async function deviceCheck(o: CheckOptions): Promise<CommandOutput> {
  if (!/^[0-9]{1,5}$/.test(o.port) || Number(o.port) < 1 || Number(o.port) > 65535) throw new InputError("port", `--port must be 1..65535, got "${o.port}"`);
  if (!o.host) throw new InputError("host", "--host is required");
  const timeoutMs = parseTimeout(o.timeout);
  const r = await checkTlsServer(loadState(o.state), { host: o.host, port: Number(o.port), timeoutMs });
  if (r.valid) return { stdout: "valid\n", stderr: `${r.certificate.subject} (serial ${r.certificate.serial}) issued by ${r.ca.certificate.subject}, RN ${r.ca.revocationNumber}\n`, exitCode: EXIT.ok };
  return { stdout: `${r.code}\n`, stderr: `${r.detail}\n`, exitCode: r.code === "unreachable" ? EXIT.unreachable : EXIT.rejected };
}
