/**
 * Registered CA proxies (SPEC 5, issue 11): register, edit routes and policy, delete, issue the
 * proxy certificate. Every write is one transaction with its audit entry. Proxy writes need
 * `certificates:write`: a proxy answers upstreams with a certificate on its clients' behalf, and
 * its policy decides who may use that certificate.
 */
import { z } from "zod";
import { appendAudit } from "../audit";
import { type Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import { issueCertificate, requestWithGeneratedKey } from "../certificates";
import { db } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import { parsePolicy, type Policy } from "../proxy/policy";
import { parseOrThrow } from "../validation";
import { parseRoutes, type ProxyRoute } from "./routes";

/** The proxy's name is its certificate's CN and the name it reports with. */
export const PROXY_NAME = z
  .string({ error: "the name is required" })
  .trim()
  .min(1, "the name is required")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "1–63 letters, digits, '.', '_', '-', starting with a letter or digit (it becomes the certificate's CN)");

const DESCRIPTION = z.string().trim().max(500, "at most 500 characters").regex(/^[^\p{Cc}]*$/u, "no control characters");
const ISSUER = z.string().trim().max(100);

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2002";
}

async function checkIssuer(name: string | null): Promise<string | null> {
  if (!name) return null;
  const row = await db().issuer.findUnique({ where: { name }, select: { name: true } });
  if (!row) throw new NotFoundError("issuer", `no issuer named "${name}"`);
  return row.name;
}

async function proxyRow(id: string) {
  const row = await db().proxy.findUnique({ where: { id } });
  if (!row) throw new NotFoundError("id", `no proxy with id "${id}"`);
  return row;
}

export function storedPolicy(text: string | null): Policy | null {
  // Every write went through parsePolicy; a failure here means the row was edited by hand.
  return text === null ? null : parsePolicy(text, "stored policy");
}

export async function registerProxy(actor: Actor, input: { name: unknown; description?: unknown; issuer?: unknown }): Promise<{ id: string; name: string }> {
  requirePermission(actor.role, "certificates:write");
  const name = parseOrThrow(PROXY_NAME, input.name, "name");
  const description = parseOrThrow(DESCRIPTION, input.description ?? "", "description");
  const issuer = await checkIssuer(parseOrThrow(ISSUER, input.issuer ?? "", "issuer") || null);
  try {
    return await db().$transaction(async (tx) => {
      if (await tx.proxy.findUnique({ where: { name }, select: { id: true } })) throw new ConflictError("name", `a proxy named "${name}" is already registered`);
      const row = await tx.proxy.create({ data: { name, description, issuer }, select: { id: true, name: true } });
      await appendAudit(tx, actor, { action: "proxy.register", targetType: "proxy", targetId: row.id, after: { name, description, issuer } });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError("name", `a proxy named "${name}" is already registered`);
    throw err;
  }
}

/** Description, upstream issuer and routes (each optional: only what is given changes). */
export async function updateProxy(actor: Actor, id: string, input: { description?: unknown; issuer?: unknown; routes?: unknown }): Promise<void> {
  requirePermission(actor.role, "certificates:write");
  const data: { description?: string; issuer?: string | null; routes?: string } = {};
  if (input.description !== undefined) data.description = parseOrThrow(DESCRIPTION, input.description, "description");
  if (input.issuer !== undefined) data.issuer = await checkIssuer(parseOrThrow(ISSUER, input.issuer, "issuer") || null);
  if (input.routes !== undefined) data.routes = JSON.stringify(parseRoutes(input.routes, "routes"));
  await db().$transaction(async (tx) => {
    const before = await tx.proxy.findUnique({ where: { id }, select: { description: true, issuer: true, routes: true } });
    if (!before) throw new NotFoundError("id", `no proxy with id "${id}"`);
    const changed = Object.fromEntries(Object.entries(data).filter(([k, v]) => before[k as keyof typeof before] !== v));
    if (Object.keys(changed).length === 0) return; // nothing changed: no write, no audit entry
    await tx.proxy.update({ where: { id }, data: changed });
    const view = (o: Record<string, unknown>) => ("routes" in o ? { ...o, routes: JSON.parse(String(o.routes)) } : o);
    const was = Object.fromEntries(Object.keys(changed).map((k) => [k, before[k as keyof typeof before]]));
    await appendAudit(tx, actor, { action: "proxy.update", targetType: "proxy", targetId: id, before: view(was), after: view(changed) });
  });
}

/**
 * The policy the proxy fetches with its next report (JSON text, checked by the proxy's own
 * parser; errors name the field, e.g. `policy.rules[1].source`). Empty text withdraws the app's
 * policy: the proxy keeps its own file. Every change moves policyVersion on.
 */
export async function setProxyPolicy(actor: Actor, id: string, text: string): Promise<{ policyVersion: number }> {
  requirePermission(actor.role, "certificates:write");
  const policy = text.trim() ? parsePolicy(text, "policy") : null;
  const stored = policy ? JSON.stringify(policy) : null;
  return db().$transaction(async (tx) => {
    const before = await tx.proxy.findUnique({ where: { id }, select: { policy: true, policyVersion: true } });
    if (!before) throw new NotFoundError("id", `no proxy with id "${id}"`);
    if (before.policy === stored) return { policyVersion: before.policyVersion };
    const row = await tx.proxy.update({ where: { id }, data: { policy: stored, policyVersion: { increment: 1 } }, select: { policyVersion: true } });
    await appendAudit(tx, actor, {
      action: "proxy.policy-change",
      targetType: "proxy",
      targetId: id,
      before: { policyVersion: before.policyVersion, policy: storedPolicy(before.policy) },
      after: { policyVersion: row.policyVersion, policy },
    });
    return row;
  });
}

/** Forgets the proxy and its reported decisions; its certificates stay (revoke them on their pages). */
export async function deleteProxy(actor: Actor, id: string): Promise<void> {
  requirePermission(actor.role, "certificates:write");
  await db().$transaction(async (tx) => {
    const row = await tx.proxy.findUnique({ where: { id }, select: { name: true, issuer: true, policyVersion: true } });
    if (!row) throw new NotFoundError("id", `no proxy with id "${id}"`);
    await tx.proxy.delete({ where: { id } });
    await appendAudit(tx, actor, { action: "proxy.delete", targetType: "proxy", targetId: id, before: row });
  });
}

/**
 * A proxy certificate (profile proxy, CN = the proxy's name) with a key generated here, issued
 * by `issuer` (the CA the upstreams trust for client certificates). Download it and its key from
 * the certificate's page; renew it there like any certificate.
 */
export async function issueProxyCertificate(actor: Actor, id: string, input: { issuer: unknown; keyType?: unknown; sans?: string }): Promise<{ certificateId: string }> {
  requirePermission(actor.role, "certificates:write");
  const proxy = await proxyRow(id);
  const issuer = parseOrThrow(z.string({ error: "choose the issuing CA" }).trim().min(1, "choose the issuing CA"), input.issuer, "issuer");
  const req = await requestWithGeneratedKey({ subject: { CN: proxy.name }, keyType: typeof input.keyType === "string" && input.keyType ? input.keyType : "ec-p256", profile: "proxy", sans: input.sans?.trim() || undefined });
  return db().$transaction(async (tx) => {
    if (!(await tx.proxy.findUnique({ where: { id }, select: { id: true } }))) throw new NotFoundError("id", `no proxy with id "${id}"`);
    const cert = await issueCertificate(actor, issuer, req, { tx });
    await appendAudit(tx, actor, { action: "proxy.certificate-issue", targetType: "proxy", targetId: id, after: { name: proxy.name, certificateId: cert.id, issuer, serial: cert.serial, notAfter: cert.notAfter } });
    return { certificateId: cert.id };
  });
}

export type { ProxyRoute };
