import fs from "node:fs";
import { readFileArg } from "../io";
import { InputError } from "../../errors";
import { MAX_OBJECT_BYTES } from "../../pki/pem";
import { judgeWithGenerations, peerCertificate, poll, unreachableCheck, type CheckOutcome, type PollOutcome, type PollResult } from "../../device/generations/client";
import { MAX_DOCUMENT_BYTES } from "../../device/generations/document";
import { initState, sameDocument } from "../../device/generations/state";
import { loadGenerations, saveGenerations, updateGenerations } from "../../device/generations/stateFile";
import { tlsTransport } from "../../device/generations/transport";
import { withFileLock } from "../../device/stateFile";
import { EXIT, type CommandOutput } from "./deviceRun";

/**
 * The logic of `rootline device generations init|poll|check` (device.ts wires them).
 * Each prints one JSON line. Exit codes as for the other device commands: 0 ok,
 * 1 rejected, 2 bad input (InputError, via the CLI's main), 3 unreachable (nothing changed).
 */

const line = (v: unknown) => JSON.stringify(v) + "\n";

function parseTimeout(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[1-9][0-9]{0,6}$/.test(v)) throw new InputError("timeout", `--timeout must be milliseconds between 1 and 9999999, got "${v}"`);
  return Number(v);
}

export interface InitOptions {
  state: string;
  distributionKey: string;
  caInfo: string;
}

/** The factory step: verify CA information with the distribution key and store it in current. Idempotent for the same document. */
export async function generationsInit(o: InitOptions): Promise<CommandOutput> {
  const key = readFileArg(o.distributionKey, "distributionKey", MAX_OBJECT_BYTES);
  const doc = new Uint8Array(readFileArg(o.caInfo, "caInfo", MAX_DOCUMENT_BYTES));
  const fresh = initState(new Uint8Array(key), doc);
  const result = await withFileLock(o.state, async () => {
    if (fs.existsSync(o.state)) {
      const old = loadGenerations(o.state);
      if (sameDocument(old.current, fresh.current) && Buffer.from(old.distributionKeySpki).equals(Buffer.from(fresh.distributionKeySpki))) return "unchanged";
      throw new InputError("state", `${o.state} already holds a device's generations state (current generation ${old.current.info.generation}); remove it to re-initialise`);
    }
    saveGenerations(o.state, fresh);
    return "initialised";
  });
  return { stdout: line({ result, generation: fresh.current.info.generation, subject: fresh.current.ca.certificate.subject, nextUrl: fresh.current.info.nextUrl }), exitCode: EXIT.ok };
}

const POLL_EXIT: Readonly<Record<PollResult, number>> = { "stored-next": EXIT.ok, unchanged: EXIT.ok, rejected: EXIT.rejected, unreachable: EXIT.unreachable };

export function pollJson(p: PollOutcome): Record<string, unknown> {
  return { result: p.result, ...(p.reason ? { reason: p.reason } : {}), url: p.url, ...(p.generation !== undefined ? { generation: p.generation } : {}) };
}

export interface PollOptions {
  state: string;
  timeout?: string;
}

export async function generationsPoll(o: PollOptions): Promise<CommandOutput> {
  const timeoutMs = parseTimeout(o.timeout);
  const outcome = await updateGenerations(o.state, (s) => poll(s, tlsTransport, { timeoutMs }).then((r) => ({ state: r.state, result: r.outcome })));
  return { stdout: line(pollJson(outcome)), exitCode: POLL_EXIT[outcome.result] };
}

export interface CheckOptions {
  host: string;
  port: string;
  state: string;
  servername?: string;
  timeout?: string;
}

export function checkJson(c: CheckOutcome): Record<string, unknown> {
  return {
    accepted: c.accepted,
    promoted: c.promoted,
    generation: c.generation,
    ...(c.code ? { code: c.code } : {}),
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.fetched ? { fetched: pollJson(c.fetched) } : {}),
    ...(c.polled ? { polled: pollJson(c.polled) } : {}),
  };
}

export async function generationsCheck(o: CheckOptions): Promise<CommandOutput> {
  if (!/^[0-9]{1,5}$/.test(o.port) || Number(o.port) < 1 || Number(o.port) > 65535) throw new InputError("port", `--port must be 1..65535, got "${o.port}"`);
  if (!o.host) throw new InputError("host", "--host is required");
  if (o.servername !== undefined && !/^[A-Za-z0-9.-]{1,253}$/.test(o.servername)) throw new InputError("servername", `--servername must be a DNS name, got "${o.servername}"`);
  const timeoutMs = parseTimeout(o.timeout);
  const target = { host: o.host, port: Number(o.port), servername: o.servername };
  // The server's handshake needs no lock; judging, the immediate fetch and a promotion do.
  const peer = await peerCertificate(target, tlsTransport, { timeoutMs });
  const outcome = peer.ok
    ? await updateGenerations(o.state, (s) => judgeWithGenerations(s, peer.certDer, o.servername ?? o.host, tlsTransport, { timeoutMs }).then((r) => ({ state: r.state, result: r.outcome })))
    : unreachableCheck(loadGenerations(o.state), peer.detail);
  const exitCode = outcome.accepted ? EXIT.ok : outcome.code === "unreachable" ? EXIT.unreachable : EXIT.rejected;
  return { stdout: line(checkJson(outcome)), exitCode };
}
