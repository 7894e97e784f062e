/**
 * What the proxy pages show: the list, one proxy's configuration and certificates, and its live
 * part (last report, counters, decisions) that the page polls. Plain JSON-able data.
 */
import { requirePermission } from "../auth/roles";
import { type Actor } from "../auth/actor";
import { db } from "../db";
import type { Decision } from "../proxy/decisions";
import { NotFoundError } from "../errors";
import type { Policy } from "../proxy/policy";
import { parseRoutes, type ProxyRoute } from "./routes";
import { storedPolicy } from "./service";

export interface ProxyListRow {
  id: string;
  name: string;
  description: string;
  issuer: string | null;
  routes: number;
  policyVersion: number;
  hasPolicy: boolean;
  lastReportAt: string | null;
  certificate: { id: string; status: string; notAfter: string } | null;
}

export interface ProxyCertificateView {
  id: string;
  issuer: string;
  serial: string;
  status: string;
  notAfter: string;
  expired: boolean;
}

export interface ProxyDetail {
  id: string;
  name: string;
  description: string;
  issuer: string | null;
  routes: ProxyRoute[];
  policy: Policy | null;
  policyVersion: number;
  createdAt: string;
  /** Certificates of profile proxy issued to CN = the proxy's name, newest first (renewals included). */
  certificates: ProxyCertificateView[];
}

/** A decision as the proxy logged it (lib/proxy/decisions.ts); `subject` always present here. */
export type DecisionView = Omit<Decision, "decision" | "subject"> & { decision: string; subject: string | null };

export interface MetricView {
  name: string;
  labels: string;
  value: number;
}

export interface ProxyLive {
  /** When this was read (the page keeps the newest). */
  at: number;
  lastReportAt: string | null;
  reportCertificateId: string | null;
  lastReject: { at: string; reason: string } | null;
  metrics: MetricView[];
  status: unknown;
  decisions: DecisionView[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function proxyCertificates(names: string[]) {
  return db().certificate.findMany({
    where: { profile: "proxy", commonName: { in: names } },
    orderBy: { createdAt: "desc" },
    select: { id: true, commonName: true, serial: true, status: true, notAfter: true, issuer: { select: { name: true } } },
  });
}

export async function listProxies(actor: Actor): Promise<ProxyListRow[]> {
  requirePermission(actor.role, "read");
  const rows = await db().proxy.findMany({ orderBy: { name: "asc" } });
  const certs = rows.length ? await proxyCertificates(rows.map((r) => r.name)) : [];
  const now = Date.now();
  return rows.map((r) => {
    const mine = certs.filter((c) => c.commonName === r.name);
    const good = mine.find((c) => c.status === "valid" && c.notAfter.getTime() > now) ?? mine[0];
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      issuer: r.issuer,
      routes: parseRoutes(r.routes).length,
      policyVersion: r.policyVersion,
      hasPolicy: r.policy !== null,
      lastReportAt: iso(r.lastReportAt),
      certificate: good ? { id: good.id, status: good.notAfter.getTime() <= now && good.status === "valid" ? "expired" : good.status, notAfter: good.notAfter.toISOString() } : null,
    };
  });
}

export async function proxyDetail(actor: Actor, id: string): Promise<ProxyDetail> {
  requirePermission(actor.role, "read");
  const r = await db().proxy.findUnique({ where: { id } });
  if (!r) throw new NotFoundError("id", `no proxy with id "${id}"`);
  const now = Date.now();
  const certs = await proxyCertificates([r.name]);
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    issuer: r.issuer,
    routes: parseRoutes(r.routes),
    policy: storedPolicy(r.policy),
    policyVersion: r.policyVersion,
    createdAt: r.createdAt.toISOString(),
    certificates: certs.map((c) => ({ id: c.id, issuer: c.issuer.name, serial: c.serial.toString(), status: c.status, notAfter: c.notAfter.toISOString(), expired: c.notAfter.getTime() <= now })),
  };
}

/** `rootline_proxy_connections_total{decision="forwarded",route="a"}` → name and label text. */
function metricView(key: string, value: number): MetricView {
  const brace = key.indexOf("{");
  return brace < 0 ? { name: key, labels: "", value } : { name: key.slice(0, brace), labels: key.slice(brace + 1, -1), value };
}

export async function proxyLive(actor: Actor, id: string, o: { decisions?: number } = {}): Promise<ProxyLive> {
  requirePermission(actor.role, "read");
  const r = await db().proxy.findUnique({
    where: { id },
    select: { lastReportAt: true, lastReportCertId: true, lastRejectAt: true, lastRejectReason: true, lastMetrics: true, lastStatus: true },
  });
  if (!r) throw new NotFoundError("id", `no proxy with id "${id}"`);
  const decisions = await db().proxyDecision.findMany({ where: { proxyId: id }, orderBy: { seq: "desc" }, take: o.decisions ?? 100 });
  const metrics = r.lastMetrics ? (JSON.parse(r.lastMetrics) as Record<string, number>) : {};
  return {
    at: Date.now(),
    lastReportAt: iso(r.lastReportAt),
    reportCertificateId: r.lastReportCertId,
    lastReject: r.lastRejectAt ? { at: r.lastRejectAt.toISOString(), reason: r.lastRejectReason ?? "" } : null,
    metrics: Object.entries(metrics)
      .map(([k, v]) => metricView(k, v))
      .sort((a, b) => a.name.localeCompare(b.name) || a.labels.localeCompare(b.labels)),
    status: r.lastStatus ? JSON.parse(r.lastStatus) : null,
    decisions: decisions.map((d) => ({ seq: d.seq, at: d.at.toISOString(), client: d.client, route: d.route, upstream: d.upstream, serial: d.serial, decision: d.decision, reason: d.reason, subject: d.subject })),
  };
}
