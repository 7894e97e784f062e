/**
 * The proxy's reports to the Rootline app (POST /api/proxies/report, docs/openapi.yaml): every interval, a JWS
 * signed with the proxy certificate's key, the certificate in `x5c`, carrying the decisions the
 * app has not acknowledged, a metrics snapshot and the status. The reply carries the app's policy
 * for this proxy, applied when its version is newer than the one applied last. Shared by both
 * sides: the app verifies with ReportPayload (lib/proxies/reception.ts). No database imports.
 */
import { CompactSign } from "jose";
import { createPrivateKey, randomUUID, X509Certificate } from "node:crypto";
import { z } from "zod";
import { InputError } from "../errors";
import { jwsAlgorithm } from "../rotation-run/protocol";
import { DECISION_KINDS } from "./decisions";
import { parsePolicy, type Policy } from "./policy";

export const REPORT_PATH = "/api/proxies/report";
/** Decisions per report: the proxy's ring holds 500; a backlog goes in several reports. */
export const MAX_REPORT_DECISIONS = 500;
export const MAX_REPORT_BYTES = 1024 * 1024;

const text = (max: number) => z.string().max(max);

export const ReportDecision = z.object({
  seq: z.number().int().min(1),
  at: z.iso.datetime({ offset: true }),
  client: text(300),
  route: text(100),
  upstream: text(300),
  serial: text(100).nullable(),
  decision: z.enum(DECISION_KINDS),
  reason: text(2000),
  subject: text(1000).nullish(),
});

export const ReportPayload = z.object({
  name: z.string().min(1).max(63),
  /** Random per reporter start: decision seqs restart at 1 with every proxy process. */
  boot: z.string().min(1).max(64),
  sentAt: z.iso.datetime({ offset: true }),
  decisions: z.array(ReportDecision).max(MAX_REPORT_DECISIONS),
  metrics: z.record(z.string().max(500), z.number()).refine((m) => Object.keys(m).length <= 5000, "at most 5000 metrics"),
  status: z.unknown(),
});
export type ReportPayload = z.infer<typeof ReportPayload>;

export interface ReportReply {
  policy: Policy | null;
  policyVersion: number;
  /** The highest decision seq the app stored for this boot: the next report sends those after it. */
  ackSeq: number;
}

const ReplySchema = z.object({ policy: z.unknown(), policyVersion: z.number().int().min(0), ackSeq: z.number().int().min(0) });

/** What the reporter needs of the running proxy (lib/proxy/proxy.ts ProxyRuntime has all of it). */
export interface ReporterRuntime {
  name: string | null;
  decisions: { since(seq: number, limit?: number): ReportPayload["decisions"] };
  metrics: { snapshot(): Record<string, number> };
  identity(): { certPem: string; keyPem: string };
  applyPolicy(p: Policy, source: string): Promise<void>;
  status(): unknown;
}

/** Signs a report with the proxy's key; x5c = its certificate (the first of the PEM). */
export async function signReport(payload: ReportPayload, identity: { certPem: string; keyPem: string }): Promise<string> {
  const key = createPrivateKey(identity.keyPem);
  const certDer = new X509Certificate(identity.certPem).raw;
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: jwsAlgorithm(key), x5c: [certDer.toString("base64")] })
    .sign(key);
}

export type ReportOutcome = { ok: true; reply: ReportReply; sent: number; policyApplied: number | null } | { ok: false; error: string; status?: number };

export interface Reporter {
  stop(): void;
  /** One report now (joins one in flight); never throws. */
  reportNow(): Promise<ReportOutcome>;
  /** What the status page shows: last outcome, acknowledged seq, applied policy version. */
  state(): { lastAt: string | null; lastError: string | null; ackSeq: number; policyVersion: number };
}

export function startReporter(
  runtime: ReporterRuntime,
  o: { appUrl: string; intervalMs?: number; fetchTimeoutMs?: number; log?: (line: string) => void },
): Reporter {
  if (!runtime.name) throw new InputError("name", "reporting to the app (--app) needs the proxy's registered name (--name)");
  const name = runtime.name;
  const url = new URL(REPORT_PATH, o.appUrl.endsWith("/") ? o.appUrl : `${o.appUrl}/`).toString();
  const intervalMs = o.intervalMs ?? 10_000;
  const fetchTimeoutMs = o.fetchTimeoutMs ?? 10_000;
  const log = o.log ?? ((line: string) => process.stderr.write(`rootline proxy: ${line}\n`));
  const boot = randomUUID();
  let ackSeq = 0;
  let appliedVersion = 0;
  let lastAt: string | null = null;
  let lastError: string | null = null;
  let inFlight: Promise<ReportOutcome> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  async function once(): Promise<ReportOutcome> {
    const decisions = runtime.decisions.since(ackSeq, MAX_REPORT_DECISIONS);
    const payload: ReportPayload = { name, boot, sentAt: new Date().toISOString(), decisions, metrics: runtime.metrics.snapshot(), status: runtime.status() };
    const jws = await signReport(payload, runtime.identity());
    const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/jose" }, body: jws, signal: AbortSignal.timeout(fetchTimeoutMs) });
    const body = await res.json().catch(() => null);
    if (!res.ok) return { ok: false, status: res.status, error: `the app refused the report (${res.status}): ${body?.error ?? res.statusText}` };
    const r = ReplySchema.safeParse(body);
    if (!r.success) return { ok: false, error: "the app's reply is not a report reply" };
    const policy = r.data.policy === null ? null : parsePolicy(r.data.policy, "reply.policy");
    const reply: ReportReply = { policy, policyVersion: r.data.policyVersion, ackSeq: r.data.ackSeq };
    ackSeq = reply.ackSeq;
    let policyApplied: number | null = null;
    if (policy && reply.policyVersion > appliedVersion) {
      await runtime.applyPolicy(policy, `Rootline app, policy version ${reply.policyVersion}`);
      appliedVersion = policyApplied = reply.policyVersion;
    }
    return { ok: true, reply, sent: decisions.length, policyApplied };
  }

  async function run(): Promise<ReportOutcome> {
    let outcome: ReportOutcome;
    try {
      outcome = await once();
      // A backlog larger than one report goes out at once rather than an interval later.
      while (outcome.ok && outcome.sent === MAX_REPORT_DECISIONS && !stopped) outcome = await once();
    } catch (e) {
      const err = e as Error;
      outcome = { ok: false, error: err.name === "TimeoutError" ? `the app did not answer within ${fetchTimeoutMs} ms` : `cannot report to ${url}: ${err.message}` };
    }
    if (outcome.ok) {
      lastAt = new Date().toISOString();
      if (lastError) log(`reporting to ${url} works again`);
      lastError = null;
    } else {
      // Said once per distinct problem, not every interval.
      if (outcome.error !== lastError) log(outcome.error);
      lastError = outcome.error;
    }
    return outcome;
  }

  function reportNow(): Promise<ReportOutcome> {
    inFlight ??= run().finally(() => (inFlight = null));
    return inFlight;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => void reportNow().finally(schedule), intervalMs);
    timer.unref();
  }
  // The first report goes at once: the app sees the proxy (and it gets its policy) on start.
  void reportNow().finally(schedule);

  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    reportNow,
    state: () => ({ lastAt, lastError, ackSeq, policyVersion: appliedVersion }),
  };
}
