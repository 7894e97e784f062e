/**
 * Applying an update request to a node's store (docs/ROTATION_RUNS.md, "What the target
 * does"; SPEC 4.1): every received item is verified before anything is stored, a request that
 * fails changes nothing. Pure: the caller verified the envelope signature and saves the result.
 */
import type { KeyObject } from "node:crypto";
import type { UpdateRequest } from "../rotation-run/protocol";
import type { GroupStore, NodeStore } from "./store";
import { cert, currentlyValid, issuedBy, issuerAmong, sameKey, selfSigned } from "./x509";

/** The node's roles in the request's group (from agent.json links). */
export interface GroupRoles {
  isServer: boolean;
  isClient: boolean;
}

export type ApplyOutcome = { ok: true; group: GroupStore } | { ok: false; error: string };

class Refused extends Error {}

const fail = (message: string): never => {
  throw new Refused(message);
};

function need(value: string | undefined, what: string): string {
  return value ?? fail(`the request carries no ${what}`);
}

function pemOk(pem: string, what: string) {
  try {
    return cert(pem);
  } catch {
    return fail(`the ${what} is not a certificate`);
  }
}

/** Verifies the distribution root: issued by a held (old) root, valid now, a CA certificate. */
function checkDistribution(pem: string, held: readonly string[]) {
  const d = pemOk(pem, "distribution root certificate");
  if (!issuerAmong(d, held)) fail("the distribution root certificate does not verify with any held root");
  if (!d.ca) fail("the distribution root certificate is not a CA certificate");
  if (!currentlyValid(d)) fail("the distribution root certificate is not valid now");
  return d;
}

/** Verifies the node's new certificate: issued through a root with the new key, and of the node's own key. */
function checkCertificate(pem: string, issuers: readonly string[], ownKey: KeyObject) {
  const c = pemOk(pem, "new certificate");
  if (!issuerAmong(c, issuers)) fail("the new certificate does not verify with the distribution root or any held root");
  if (!sameKey(c.publicKey, ownKey)) fail("the new certificate's public key is not this node's key");
  if (!currentlyValid(c)) fail("the new certificate is not valid now");
  return c;
}

/** Verifies the new root: self-signed and of the distribution root's key. */
function checkNewRoot(pem: string, distribution: ReturnType<typeof cert> | undefined) {
  const r = pemOk(pem, "new root certificate");
  if (!selfSigned(r)) fail("the new root certificate is not self-signed");
  if (!distribution) fail("the new root certificate cannot be verified: no distribution root is held");
  if (!sameKey(r.publicKey, distribution!.publicKey)) fail("the new root certificate's key is not the distribution root's key");
  if (!currentlyValid(r)) fail("the new root certificate is not valid now");
  return r;
}

/** A held distribution root: a held root that is not self-signed. */
function heldDistribution(g: GroupStore) {
  for (const pem of g.roots) {
    const c = cert(pem);
    if (!selfSigned(c)) return c;
  }
  return undefined;
}

const norm = (pem: string) => pem.trim() + "\n";
const uniq = (pems: string[]) => [...new Set(pems.map(norm))];

/** A client keeps old + new (new first); a server holds exactly one certificate. */
function withCertificate(g: GroupStore, pem: string, roles: GroupRoles): string[] {
  return roles.isServer ? [norm(pem)] : uniq([pem, ...g.certificates]).slice(0, 2);
}

export function applyUpdate(store: NodeStore, req: UpdateRequest, roles: GroupRoles, ownKey: KeyObject): ApplyOutcome {
  const g = store.groups[req.group];
  if (!g) return { ok: false, error: `this node holds no store for group ${req.group}` };
  try {
    return { ok: true, group: applyToGroup(g, req, roles, ownKey) };
  } catch (e) {
    if (e instanceof Refused) return { ok: false, error: e.message };
    throw e;
  }
}

function applyToGroup(g: GroupStore, req: UpdateRequest, roles: GroupRoles, ownKey: KeyObject): GroupStore {
  const { items } = req;
  switch (req.kind) {
    case "store-root": {
      const pem = need(items.distribution, "distribution root certificate");
      checkDistribution(pem, g.roots);
      return { roots: uniq([...g.roots, pem]), certificates: g.certificates };
    }
    case "store-cert": {
      const pem = need(items.certificate, "certificate");
      // A node without a store-root task (a server on one-way links only) gets the distribution
      // root with its certificate and checks it with its old root; it does not store it.
      const issuers = [...g.roots];
      // A client that already replaced its roots (replace-root may come first) verifies the
      // certificate with the new root it holds; the distribution root is then not needed.
      if (items.distribution && !g.roots.map(norm).includes(norm(items.distribution)) && !issuerAmong(cert(pem), g.roots)) {
        checkDistribution(items.distribution, g.roots);
        issuers.push(items.distribution);
      }
      checkCertificate(pem, issuers, ownKey);
      return { roots: g.roots, certificates: withCertificate(g, pem, roles) };
    }
    case "replace-root": {
      const pem = need(items.newRoot, "new root certificate");
      const r = checkNewRoot(pem, heldDistribution(g));
      // A client drops its old certificate only once it holds one signed by the new key.
      const signedByNew = g.certificates.filter((c) => issuedBy(cert(c), r));
      return { roots: [norm(pem)], certificates: !roles.isServer && signedByNew.length > 0 ? signedByNew : g.certificates };
    }
    case "bundle": {
      const dist = need(items.distribution, "distribution root certificate");
      const root = need(items.newRoot, "new root certificate");
      const d = checkDistribution(dist, g.roots);
      checkNewRoot(root, d);
      const certificates = items.certificate ? (checkCertificate(items.certificate, [dist], ownKey), withCertificate(g, items.certificate, roles)) : g.certificates;
      // A node that is a client anywhere keeps the old root until discard-old: its servers may
      // still present old certificates. A node that is only a server needs just the new root.
      return { roots: roles.isClient ? uniq([...g.roots, dist, root]) : [norm(root)], certificates };
    }
    case "discard-old": {
      const d = heldDistribution(g);
      const self = g.roots.map(cert).filter(selfSigned);
      const newRoot = items.newRoot ? self.find((r) => r.raw.equals(cert(items.newRoot!).raw)) : self.find((r) => d && sameKey(r.publicKey, d.publicKey)) ?? (self.length === 1 ? self[0] : undefined);
      if (!newRoot) fail("discard-old: this node holds no new root to keep");
      const keep = g.roots.filter((p) => cert(p).raw.equals(newRoot!.raw));
      const certificates = g.certificates.filter((c) => issuedBy(cert(c), newRoot!));
      if (certificates.length === 0 && g.certificates.length > 0) fail("discard-old: this node holds no certificate signed by the new root");
      return { roots: keep.map(norm), certificates };
    }
  }
}
