/**
 * POST /api/proxies/report: a proxy's signed report (lib/proxy/report.ts). Accepted when the
 * JWS verifies with its x5c certificate's key and that certificate is one Rootline issued
 * (byte for byte), of profile proxy, good (valid, not expired, at or above its issuer's RN), and
 * issued to CN = a registered proxy's name = the report's name.
 *
 * Reports are not staff changes: an accepted one writes no audit entry. A refused report whose
 * name is registered is remembered on the proxy row (time and reason, overwritten each time),
 * not in the audit log: the request is unauthenticated, and a flood must not grow the hash-chained
 * log (as with throttled sign-ins). The operator sees it on the proxy's page.
 */
import { compactVerify, decodeProtectedHeader } from "jose";
import { X509Certificate } from "node:crypto";
import { db } from "../db";
import { errorResponse, InputError, NotFoundError } from "../errors";
import { readCappedBody } from "../http/body";
import { MAX_REPORT_BYTES, ReportPayload, type ReportReply } from "../proxy/report";
import { jwsAlgorithm } from "../rotation-run/protocol";
import { storedPolicy } from "./service";

/** A report further than this from the app's clock is refused (replay bound). */
export const MAX_REPORT_SKEW_MS = 5 * 60_000;
/** Decisions kept per proxy (its own log file keeps every one). */
export const KEEP_DECISIONS = 500;

const refused = (field: string, message: string, status: number) => new InputError(field, message, status);

function peek(jws: string): { cert: X509Certificate; certDer: Buffer; claimedName: string | null } {
  if (jws.split(".").length !== 3) throw refused("body", "the body is not a JWS in compact serialization", 400);
  let header;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    throw refused("body", "the JWS protected header is not valid", 400);
  }
  const x5c = header.x5c;
  if (!Array.isArray(x5c) || typeof x5c[0] !== "string") throw refused("x5c", "the JWS header must carry the proxy certificate in x5c", 400);
  const certDer = Buffer.from(x5c[0], "base64");
  let cert;
  try {
    cert = new X509Certificate(certDer);
  } catch {
    throw refused("x5c", "x5c[0] is not a DER certificate", 400);
  }
  let claimedName: string | null = null;
  try {
    const n = JSON.parse(Buffer.from(jws.split(".")[1], "base64url").toString("utf8"))?.name;
    if (typeof n === "string") claimedName = n;
  } catch {
    // the payload is checked after the signature
  }
  return { cert, certDer, claimedName };
}

/** The certificate row for exactly these bytes, with what "good" needs. */
async function rootlineCertificate(cert: X509Certificate, der: Buffer) {
  const serial = BigInt(`0x${cert.serialNumber}`);
  if (serial >= 1n << 63n) return null; // Rootline allocates 63-bit serials; SQLite could not even compare a longer one
  const rows = await db().certificate.findMany({
    where: { serial },
    select: { id: true, der: true, profile: true, status: true, commonName: true, notBefore: true, notAfter: true, serial: true, issuer: { select: { name: true, revocationNumber: true } } },
  });
  return rows.find((r) => Buffer.from(r.der).equals(der)) ?? null;
}

async function authenticate(jws: string, now: Date): Promise<{ payload: ReportPayload; certificateId: string }> {
  const { cert, certDer } = peek(jws);
  try {
    await compactVerify(jws, cert.publicKey, { algorithms: [jwsAlgorithm(cert.publicKey)] });
  } catch {
    throw refused("signature", "the report's signature does not verify with the key of its x5c certificate", 401);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(jws.split(".")[1], "base64url").toString("utf8"));
  } catch {
    throw refused("body", "the report's payload is not JSON", 400);
  }
  const r = ReportPayload.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw refused(issue.path.length ? issue.path.map(String).join(".") : "body", `the report is malformed: ${issue.message}`, 400);
  }
  const payload = r.data;
  const row = await rootlineCertificate(cert, certDer);
  const which = row ? `${row.issuer.name} #${row.serial}` : "";
  if (!row) throw refused("certificate", "the report's certificate was not issued by this Rootline", 401);
  if (row.profile !== "proxy") throw refused("certificate", `certificate ${which} has profile ${row.profile}, not proxy`, 403);
  if (row.status !== "valid" || row.serial < row.issuer.revocationNumber) throw refused("certificate", `certificate ${which} is ${row.status === "valid" ? "revoked (below its issuer's revocation number)" : row.status}`, 403);
  if (row.notAfter.getTime() < now.getTime()) throw refused("certificate", `certificate ${which} expired on ${row.notAfter.toISOString()}`, 403);
  if (row.notBefore.getTime() > now.getTime()) throw refused("certificate", `certificate ${which} is not valid before ${row.notBefore.toISOString()}`, 403);
  if (row.commonName !== payload.name) throw refused("name", `certificate ${which} was issued to CN=${row.commonName}, not to proxy "${payload.name}"`, 403);
  if (Math.abs(Date.parse(payload.sentAt) - now.getTime()) > MAX_REPORT_SKEW_MS) throw refused("sentAt", `the report's sentAt is more than ${MAX_REPORT_SKEW_MS / 60_000} minutes from the app's clock`, 400);
  return { payload, certificateId: row.id };
}

/** Verifies and stores a report; the reply carries the proxy's policy. */
export async function receiveReport(jws: string, now: Date = new Date()): Promise<ReportReply> {
  let auth;
  try {
    auth = await authenticate(jws, now);
  } catch (err) {
    await rememberRefusal(jws, err, now);
    throw err;
  }
  const { payload, certificateId } = auth;
  return db().$transaction(async (tx) => {
    const proxy = await tx.proxy.findUnique({ where: { name: payload.name }, select: { id: true, reportBoot: true, seqBase: true, ackSeq: true, policy: true, policyVersion: true } });
    if (!proxy) throw new NotFoundError("name", `no proxy named "${payload.name}" is registered`);
    let { seqBase, ackSeq } = proxy;
    if (proxy.reportBoot !== payload.boot) {
      // A new proxy process: its seqs start at 1 again, stored after everything kept so far.
      const last = await tx.proxyDecision.findFirst({ where: { proxyId: proxy.id }, orderBy: { seq: "desc" }, select: { seq: true } });
      seqBase = last?.seq ?? 0;
      ackSeq = 0;
    }
    const fresh = new Map<number, ReportPayload["decisions"][number]>();
    for (const d of payload.decisions) if (d.seq > ackSeq) fresh.set(d.seq, d); // a replay or an overlap adds nothing
    if (fresh.size) {
      await tx.proxyDecision.createMany({
        data: [...fresh.values()].map((d) => ({ proxyId: proxy.id, seq: seqBase + d.seq, at: new Date(d.at), client: d.client, route: d.route, upstream: d.upstream, serial: d.serial, decision: d.decision, reason: d.reason, subject: d.subject ?? null })),
      });
      ackSeq = Math.max(ackSeq, ...fresh.keys());
      const cut = await tx.proxyDecision.findFirst({ where: { proxyId: proxy.id }, orderBy: { seq: "desc" }, skip: KEEP_DECISIONS - 1, select: { seq: true } });
      if (cut) await tx.proxyDecision.deleteMany({ where: { proxyId: proxy.id, seq: { lt: cut.seq } } });
    }
    await tx.proxy.update({
      where: { id: proxy.id },
      data: {
        lastReportAt: now,
        lastStatus: JSON.stringify(payload.status ?? null).slice(0, 65_536),
        lastMetrics: JSON.stringify(payload.metrics),
        lastReportCertId: certificateId,
        reportBoot: payload.boot,
        seqBase,
        ackSeq,
      },
    });
    return { policy: storedPolicy(proxy.policy), policyVersion: proxy.policyVersion, ackSeq };
  });
}

/** The refusal's time and reason on the named proxy's row, when that name is registered. */
async function rememberRefusal(jws: string, err: unknown, now: Date): Promise<void> {
  if (!(err instanceof InputError)) return;
  let name: string | null = null;
  try {
    name = peek(jws).claimedName;
  } catch {
    return; // not even a JWS with a certificate: nothing to tie it to
  }
  if (!name) return;
  const reason = `${err.field}: ${err.message}`.slice(0, 500);
  await db()
    .proxy.updateMany({ where: { name }, data: { lastRejectAt: now, lastRejectReason: reason } })
    .catch(() => undefined); // a busy database must not turn a 401 into a 503
}

/** The route handler: application/jose, at most MAX_REPORT_BYTES, errors as `{error, field}` JSON. */
export async function proxyReportRoute(req: Request): Promise<Response> {
  try {
    const body = await readCappedBody(req, "application/jose", MAX_REPORT_BYTES);
    const reply = await receiveReport(body.trim());
    return new Response(JSON.stringify(reply), { status: 200, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
