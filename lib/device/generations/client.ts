import { InputError } from "../../errors";
import { judgeServerCertificate, type JudgeCode } from "../judge";
import { MAX_DOCUMENT_BYTES } from "./document";
import { promote, sameDocument, slotOf, trustOf, withNext, type GenerationsState, type Slot } from "./state";
import type { GenerationsTransport } from "./transport";

/**
 * The device side of CA generations (SPEC 3, seed 001 FIGS. 7–9), on an in-memory state.
 *
 * poll: GET the URL announced in current. The download server's certificate must be
 *   issued by the CURRENT CA (signature, serverAuth, names the URL's host; no date check:
 *   no clock) — judged before the request is sent. The document must verify with the
 *   distribution key and be generation current+1. Then it goes into next. The new CA
 *   certificate need not chain to the current one: the distribution key vouches for it.
 * check: judge a server certificate against current; failing that, against next, and
 *   promote next on success (then poll the new URL); with next empty, poll at once
 *   (FIG. 8) and retry with what arrived. Anything else fails closed.
 */

export type PollResult = "stored-next" | "unchanged" | "unreachable" | "rejected";

export interface PollOutcome {
  result: PollResult;
  reason?: string;
  url: string;
  /** The generation fetched (when a document was read). */
  generation?: number;
}

export interface Options {
  timeoutMs?: number;
}

export async function poll(s: GenerationsState, t: GenerationsTransport, o: Options = {}): Promise<{ state: GenerationsState; outcome: PollOutcome }> {
  const url = s.current.info.nextUrl;
  const keep = (result: PollResult, reason: string, generation?: number) => ({ state: s, outcome: { result, reason, url, ...(generation !== undefined ? { generation } : {}) } });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return keep("rejected", `the URL in current is not a URL: ${url}`);
  }
  if (target.protocol !== "https:") return keep("rejected", `the URL in current is not https: ${url}`);
  const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
  const c = await t.connect({ host, port: target.port ? Number(target.port) : 443, timeoutMs: o.timeoutMs });
  if (!c.ok) return keep("unreachable", c.detail);
  let body: Uint8Array;
  try {
    const j = await judgeServerCertificate(trustOf(s.current), c.conn.certDer, { host });
    if (!j.valid) return keep("rejected", `download server certificate: ${j.code}: ${j.detail}`);
    const r = await c.conn.get(target, MAX_DOCUMENT_BYTES);
    if (!r.ok) return keep(r.failure === "too-large" ? "rejected" : "unreachable", r.detail);
    body = new Uint8Array(r.body);
  } finally {
    c.conn.close();
  }
  let slot: Slot;
  try {
    slot = slotOf(body, s.distributionKeySpki, "caInfo");
  } catch (e) {
    if (e instanceof InputError) return keep("rejected", e.message);
    throw e;
  }
  if (slot.info.lineage !== s.current.info.lineage) return keep("rejected", `the document belongs to lineage "${slot.info.lineage}", not "${s.current.info.lineage}"`, slot.info.generation);
  const want = s.current.info.generation + 1;
  if (slot.info.generation !== want) return keep("rejected", `the document is generation ${slot.info.generation}; only ${want} follows current`, slot.info.generation);
  if (sameDocument(s.next, slot)) return keep("unchanged", "next already holds this document", want);
  return { state: withNext(s, slot), outcome: { result: "stored-next", url, generation: want } };
}

export interface CheckOutcome {
  accepted: boolean;
  promoted: boolean;
  /** The current generation after the check. */
  generation: number;
  /** Why the server was refused (fail closed). */
  code?: JudgeCode | "unreachable";
  reason?: string;
  /** The immediate fetch made because next was empty (FIG. 8). */
  fetched?: PollOutcome;
  /** The poll of the new current's URL after a promotion. */
  polled?: PollOutcome;
}

/** Judges a certificate a server presented (the handshake has proven its key). */
export async function judgeWithGenerations(s: GenerationsState, certDer: Uint8Array, host: string, t: GenerationsTransport, o: Options = {}): Promise<{ state: GenerationsState; outcome: CheckOutcome }> {
  const againstCurrent = await judgeServerCertificate(trustOf(s.current), certDer, { host });
  if (againstCurrent.valid) return { state: s, outcome: { accepted: true, promoted: false, generation: s.current.info.generation } };

  let fetched: PollOutcome | undefined;
  if (!s.next) {
    const p = await poll(s, t, o);
    fetched = p.outcome;
    s = p.state;
  }
  const refuse = (code: JudgeCode, reason: string) => ({
    state: s,
    outcome: { accepted: false, promoted: false, generation: s.current.info.generation, code, reason, ...(fetched ? { fetched } : {}) },
  });
  if (!s.next) return refuse(againstCurrent.code, `current generation ${s.current.info.generation}: ${againstCurrent.detail}; next is empty`);
  const againstNext = await judgeServerCertificate(trustOf(s.next), certDer, { host });
  if (!againstNext.valid) {
    return refuse(againstCurrent.code, `current generation ${s.current.info.generation}: ${againstCurrent.detail}; next generation ${s.next.info.generation}: ${againstNext.code}: ${againstNext.detail}`);
  }
  const promoted = promote(s);
  const after = await poll(promoted, t, o);
  return {
    state: after.state,
    outcome: { accepted: true, promoted: true, generation: promoted.current.info.generation, ...(fetched ? { fetched } : {}), polled: after.outcome },
  };
}

export interface CheckTarget {
  host: string;
  port: number;
  servername?: string;
}

/** Connects, reads the server's certificate and closes (no application data is sent). */
export async function peerCertificate(target: CheckTarget, t: GenerationsTransport, o: Options = {}): Promise<{ ok: true; certDer: Uint8Array } | { ok: false; detail: string }> {
  const c = await t.connect({ ...target, timeoutMs: o.timeoutMs });
  if (!c.ok) return c;
  c.conn.close();
  return { ok: true, certDer: c.conn.certDer };
}

/** What a check of an unreachable server says: refused, nothing changed. */
export const unreachableCheck = (s: GenerationsState, detail: string): CheckOutcome => ({ accepted: false, promoted: false, generation: s.current.info.generation, code: "unreachable", reason: detail });

/** peerCertificate, then judgeWithGenerations. */
export async function checkServer(s: GenerationsState, target: CheckTarget, t: GenerationsTransport, o: Options = {}): Promise<{ state: GenerationsState; outcome: CheckOutcome }> {
  const p = await peerCertificate(target, t, o);
  if (!p.ok) return { state: s, outcome: unreachableCheck(s, p.detail) };
  return judgeWithGenerations(s, p.certDer, target.servername ?? target.host, t, o);
}
