import { createPublicKey, generateKeyPairSync, X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { leaf, makeRoot, rotationMaterial, type Root } from "../test/agents";
import type { UpdateRequest } from "../rotation-run/protocol";
import { applyUpdate, type GroupRoles } from "./apply";
import type { NodeStore } from "./store";

const CLIENT: GroupRoles = { isServer: false, isClient: true };
const SERVER: GroupRoles = { isServer: true, isClient: false };
const BOTH: GroupRoles = { isServer: true, isClient: true };

let old: Root;
let rot: Awaited<ReturnType<typeof rotationMaterial>>;
const me = generateKeyPairSync("ec", { namedCurve: "P-256" });
const pub = createPublicKey(me.privateKey);
let oldCert: string;
let newCert: string;
const n = (p: string) => p.trim() + "\n";

beforeAll(async () => {
  old = await makeRoot();
  rot = await rotationMaterial(old);
  oldCert = n(leaf(old.signer, "n1", pub));
  newCert = n(rot.certificateFor("n1", pub));
});

const req = (kind: UpdateRequest["kind"], items: UpdateRequest["items"]): UpdateRequest => ({ v: 1, type: "update", topology: "t", run: "r", group: "default", task: `${kind}:n1`, kind, node: "n1", attempt: 1, route: ["n1"], items, iat: 1 });
const store = (roots: string[], certificates: string[]): NodeStore => ({ version: 1, groups: { default: { roots: roots.map(n), certificates: certificates.map(n) } }, applied: {} });
const apply = (s: NodeStore, r: UpdateRequest, roles: GroupRoles) => applyUpdate(s, r, roles, pub);
const ok = (s: NodeStore, r: UpdateRequest, roles: GroupRoles) => {
  const out = apply(s, r, roles);
  if (!out.ok) throw new Error(out.error);
  return out.group;
};

function tamper(pem: string): string {
  const der = Buffer.from(new X509Certificate(pem).raw);
  der[der.length - 3] ^= 1;
  return `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`;
}

describe("applying update requests (verify, then store)", () => {
  it("store-root adds a distribution root that the old root signed; a tampered one is refused", () => {
    const s = store([old.pem], [oldCert]);
    expect(ok(s, req("store-root", { distribution: rot.distribution }), CLIENT).roots).toEqual([n(old.pem), n(rot.distribution)]);
    expect(apply(s, req("store-root", { distribution: tamper(rot.distribution) }), CLIENT)).toEqual({ ok: false, error: "the distribution root certificate does not verify with any held root" });
    // A self-signed impostor under the same name is not signed by the old root either.
    expect(apply(s, req("store-root", { distribution: rot.newRoot.pem }), CLIENT).ok).toBe(false);
  });

  it("store-cert: a client keeps old + new (new first), a server replaces; the key must be the node's own", () => {
    const s = store([old.pem, rot.distribution], [oldCert]);
    expect(ok(s, req("store-cert", { certificate: newCert }), CLIENT).certificates).toEqual([newCert, oldCert]);
    expect(ok(s, req("store-cert", { certificate: newCert }), SERVER).certificates).toEqual([newCert]);
    expect(ok(s, req("store-cert", { certificate: newCert }), BOTH).certificates).toEqual([newCert]);
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const foreign = rot.certificateFor("n1", createPublicKey(other.privateKey));
    expect(apply(s, req("store-cert", { certificate: foreign }), CLIENT)).toEqual({ ok: false, error: "the new certificate's public key is not this node's key" });
    // Without the distribution root held (store-root not run), it cannot be verified...
    expect(apply(store([old.pem], [oldCert]), req("store-cert", { certificate: newCert }), SERVER)).toMatchObject({ ok: false, error: expect.stringMatching(/does not verify/) });
    // ...unless the request carries it (a server on one-way links only): checked, not stored.
    expect(ok(store([old.pem], [oldCert]), req("store-cert", { certificate: newCert, distribution: rot.distribution }), SERVER)).toEqual({ roots: [n(old.pem)], certificates: [newCert] });
    expect(apply(s, req("store-cert", { certificate: tamper(newCert) }), CLIENT).ok).toBe(false);
  });

  it("replace-root keeps only the new root; a client holding the new certificate drops the old", () => {
    const s = store([old.pem, rot.distribution], [newCert, oldCert]);
    expect(ok(s, req("replace-root", { newRoot: rot.newRoot.pem }), CLIENT)).toEqual({ roots: [n(rot.newRoot.pem)], certificates: [newCert] });
    expect(ok(store([old.pem, rot.distribution], [oldCert]), req("replace-root", { newRoot: rot.newRoot.pem }), CLIENT).certificates).toEqual([oldCert]);
    // A root of another key, or one offered before the distribution root is held, is refused.
    const other = rotationMaterial(old);
    return other.then((o) => {
      expect(apply(s, req("replace-root", { newRoot: o.newRoot.pem }), CLIENT)).toEqual({ ok: false, error: "the new root certificate's key is not the distribution root's key" });
      expect(apply(store([old.pem], [oldCert]), req("replace-root", { newRoot: rot.newRoot.pem }), CLIENT).ok).toBe(false);
    });
  });

  it("bundle verifies all three; a node only a server keeps only the new root, a client keeps old + distribution + new", () => {
    const s = store([old.pem], [oldCert]);
    const items = { distribution: rot.distribution, newRoot: rot.newRoot.pem, certificate: newCert };
    expect(ok(s, req("bundle", items), SERVER)).toEqual({ roots: [n(rot.newRoot.pem)], certificates: [newCert] });
    expect(ok(s, req("bundle", items), CLIENT)).toEqual({ roots: [n(old.pem), n(rot.distribution), n(rot.newRoot.pem)], certificates: [newCert, oldCert] });
    expect(ok(s, req("bundle", items), BOTH)).toEqual({ roots: [n(old.pem), n(rot.distribution), n(rot.newRoot.pem)], certificates: [newCert] });
    expect(apply(s, req("bundle", { ...items, distribution: tamper(rot.distribution) }), CLIENT)).toEqual({ ok: false, error: "the distribution root certificate does not verify with any held root" });
  });

  it("discard-old drops the old root, the distribution root and the old certificate", () => {
    const s = store([old.pem, rot.distribution, rot.newRoot.pem], [newCert, oldCert]);
    expect(ok(s, req("discard-old", {}), CLIENT)).toEqual({ roots: [n(rot.newRoot.pem)], certificates: [newCert] });
    // Refused when it would leave the node without a certificate of the new root.
    expect(apply(store([old.pem, rot.distribution, rot.newRoot.pem], [oldCert]), req("discard-old", {}), CLIENT)).toMatchObject({ ok: false });
  });

  it("a group the node does not hold is refused", () => {
    expect(apply(store([old.pem], [oldCert]), { ...req("store-root", { distribution: rot.distribution }), group: "other" }, CLIENT)).toEqual({ ok: false, error: "this node holds no store for group other" });
  });
});
