import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { openssl } from "./openssl";
import { fig46 } from "../topologies/samples";
import { pemBlocks, type Fleet, type FleetDoc } from "./fleet";

/** Topologies and end-of-run checks shared by the rotation-run process tests (vitest only). */

/** FIG. 46 as the issue states it: two servers, five clients, 40-3 shared. */
export function fig46five(): FleetDoc {
  const d = fig46() as FleetDoc;
  d.nodes.push({ id: "40-5", direct: false, acceptsConnections: false });
  d.links.push({ client: "40-5", server: "30-2", group: "default", auth: "mutual" });
  return d;
}

/**
 * Three levels: hub (direct server) ← gw (gateway: client of hub, server for relay and leaf)
 * ← leaf. `relay` is direct but accepts no connections (it only polls), so the CA reaches gw
 * through relay by push and leaf only through relay and gw: route relay → gw (push) → leaf (poll).
 */
export function threeLevel(gwToHub: "mutual" | "one-way" = "mutual"): FleetDoc {
  return {
    nodes: [
      { id: "hub", direct: true, acceptsConnections: true },
      { id: "gw", direct: false, acceptsConnections: true },
      { id: "relay", direct: true, acceptsConnections: false },
      { id: "leaf", direct: false, acceptsConnections: false },
    ],
    links: [
      { client: "gw", server: "hub", group: "default", auth: gwToHub },
      { client: "relay", server: "gw", group: "default", auth: "mutual" },
      { client: "leaf", server: "gw", group: "default", auth: "mutual" },
    ],
  };
}

/** Runs one rotation to the end and checks it (`checkRunSucceeded`). */
export async function rotateAndCheck(fleet: Fleet, args: string[], timeoutMs = 60_000) {
  await fleet.waitLinksOk(Date.now()); // every link authenticates before the run starts
  const t0 = Date.now();
  const { id } = await fleet.startRun(args);
  return checkRunSucceeded(fleet, id, t0, timeoutMs);
}

/**
 * Waits for run `id` (started at `t0`) to succeed, then checks: no handshake failed and no
 * fallback SPEC 4.1 does not allow from t0 on, links kept handshaking during the run, the end
 * state authenticates, `rotation status --json` reports every task succeeded, and every node
 * holds only the new root and one certificate it signed (`openssl verify` agrees).
 */
export async function checkRunSucceeded(fleet: Fleet, id: string, t0: number, timeoutMs = 60_000, opts: { skipNodes?: string[] } = {}) {
  const final = await fleet.waitRun(id, ["succeeded", "failed"], timeoutMs);
  expect(final, `${fleet.runRow(id).failure ?? ""} ${JSON.stringify(fleet.tasks(id).filter((t) => t.state !== "succeeded"))}`).toBe("succeeded");
  const t1 = Date.now();
  await fleet.waitLinksOk(t1); // the end state authenticates with real TLS too
  expect(fleet.handshakeViolations(t0, Date.now(), opts)).toEqual([]);
  // Links kept handshaking during the run (not merely before and after it).
  const runStart = fleet.runRow(id).createdAt;
  for (const l of fleet.doc.links) expect(fleet.handshakes(l.client).some((h) => h.peer === l.server && Date.parse(h.at) >= Math.min(t0, runStart) && Date.parse(h.at) <= t1), `${l.client}→${l.server} during the run`).toBe(true);

  const status = await fleet.status(id);
  expect(status).toMatchObject({ id, state: "succeeded" });
  expect(status.tasks.filter((t) => t.state !== "succeeded")).toEqual([]);
  const run = fleet.runRow(id);
  const newRoot = new X509Certificate(Buffer.from(run.newRootDer));
  for (const n of fleet.doc.nodes) {
    const dir = fleet.nodeDir(n.id);
    expect(pemBlocks(path.join(dir, "roots.pem")).map((p) => p.trim()), `${n.id} roots.pem`).toEqual([newRoot.toString().trim()]);
    const certs = pemBlocks(path.join(dir, "cert.pem"));
    expect(certs.length, `${n.id} cert.pem`).toBe(1);
    const cert = new X509Certificate(certs[0]);
    expect(cert.checkIssued(newRoot) && cert.verify(newRoot.publicKey), `${n.id} cert signed by the new root`).toBe(true);
    expect(cert.subject).toContain(`CN=${n.id}`);
    const v = openssl(["verify", "-CAfile", path.join(dir, "roots.pem"), path.join(dir, "cert.pem")]);
    expect(v.status, `${n.id}: ${v.stdout}${v.stderr}`).toBe(0);
    expect(v.stdout).toContain(": OK");
    expect(fs.statSync(path.join(dir, "key.pem")).mode & 0o077).toBe(0);
  }
  return { id, t0, t1, run, status };
}
