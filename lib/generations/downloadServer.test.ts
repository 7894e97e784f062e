import { spawn } from "node:child_process";
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { cliActor } from "../auth/actor";
import { db } from "../db";
import { parseCertificateDer } from "../pki/certificate";
import { pemEncode } from "../pki/pem";
import { tempDir } from "../test/pki";
import { parseCaInfo, verifyCaInfo } from "./caInfo";
import { startDownloadServer, type DownloadServer } from "./downloadServer";
import { createLineage, distributionKeyOf, nextGeneration } from "./lineage";
import { revokeGenerationNow } from "./schedule";
import { lineageView } from "./view";

/** Real TLS, checked by curl and openssl s_client with CA n as the only trust anchor. */

const actor = cliActor();
const dir = tempDir();

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function caFile(generation: number): Promise<string> {
  const i = await db().issuer.findUniqueOrThrow({ where: { name: `D-${generation}` }, select: { certificateDer: true } });
  return dir.write(`ca-${generation}.pem`, pemEncode("CERTIFICATE", i.certificateDer));
}

/** The server runs in this process: clients must be spawned asynchronously. */
function run(cmd: string, args: string[]): Promise<{ status: number | null; stdout: Buffer; stderr: Buffer }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on("data", (b) => out.push(b));
    p.stderr.on("data", (b) => err.push(b));
    p.on("error", reject);
    p.on("close", (status) => resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
}

const curl = (url: string, ca: string, extra: string[] = []) => run("curl", ["-sS", "--fail", "--max-time", "8", "--cacert", ca, ...extra, url]);

async function servedCertificate(port: number): Promise<ReturnType<typeof parseCertificateDer>> {
  const pem = (await run("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-showcerts"])).stdout.toString("utf8");
  return parseCertificateDer(Buffer.from(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END/.exec(pem)![1].replace(/\s+/g, ""), "base64"));
}

describe("download server", async () => {
  const port = await freePort();
  await createLineage(actor, { name: "D", keyType: "ec-p256", downloadUrlTemplate: `https://127.0.0.1:${port}/ca-info/{n}` });
  await nextGeneration(actor, "D");
  const distribution = (await distributionKeyOf("D")).spki;
  let clock = new Date();
  const server: DownloadServer = await startDownloadServer({ lineage: "D", port, now: () => clock });
  afterAll(() => server.stop());
  const base = `https://127.0.0.1:${port}/ca-info`;

  it("serves CA information 2 over TLS with a certificate of CA 1 (curl, CA 1 as the only anchor)", async () => {
    const json = await curl(`${base}/2`, await caFile(1));
    expect(json.status, json.stderr.toString()).toBe(0);
    const info = parseCaInfo(json.stdout.toString("utf8"));
    expect(info).toMatchObject({ form: "json", lineage: "D", generation: 2, nextUrl: `${base}/3` });
    expect(verifyCaInfo(info, distribution)).toBe(true);
    const der = await curl(`${base}/2?format=der`, await caFile(1));
    expect(der.stdout[0]).toBe(0x30);
    expect(Buffer.from(der.stdout).equals(Buffer.from(info.der))).toBe(true);
    const accept = await curl(`${base}/2`, await caFile(1), ["-H", "Accept: application/octet-stream"]);
    expect(Buffer.from(accept.stdout).equals(Buffer.from(info.der))).toBe(true);
    expect((await curl(`${base}/9`, await caFile(1))).status).not.toBe(0); // 404
    expect(server.serving()).toEqual([2]);
  });

  it("openssl s_client verifies the chain with CA 1; CA 2 as the anchor fails", async () => {
    const ok = await run("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-CAfile", await caFile(1), "-verify_return_error", "-verify_ip", "127.0.0.1"]);
    expect(ok.stdout.toString()).toMatch(/Verify return code: 0 \(ok\)/);
    expect((await curl(`${base}/2`, await caFile(2))).status).not.toBe(0);
    const cert = await servedCertificate(port);
    expect(cert.issuer).toBe("CN=D-1");
    expect(cert.sans).toEqual([{ type: "ip", value: "127.0.0.1" }]);
  });

  it("keeps serving with CA 1's certificate after generation 1 is revoked; a revoked newest adds generation 3 served by CA 2", async () => {
    await revokeGenerationNow(actor, "D", 1, "key compromise");
    await server.refresh();
    expect((await curl(`${base}/2`, await caFile(1))).status).toBe(0);
    const r = await revokeGenerationNow(actor, "D", 2, "key compromise");
    expect(r.created).toMatchObject({ generation: 3 });
    await server.refresh();
    expect(server.serving()).toEqual([2, 3]);
    const three = await curl(`${base}/3`, await caFile(2));
    expect(three.status, three.stderr.toString()).toBe(0);
    expect(parseCaInfo(three.stdout.toString("utf8"))).toMatchObject({ generation: 3, nextUrl: `${base}/4` });
    const v = await lineageView("D");
    expect(v.downloadServer).toMatchObject({ url: `https://127.0.0.1:${port}`, running: true });
  });

  it("stops serving generation n+1 only at CA n's original expiry", async () => {
    const ca1 = await db().issuer.findUniqueOrThrow({ where: { name: "D-1" } });
    clock = new Date(ca1.notAfter.getTime() - 60_000);
    await server.refresh();
    expect(server.serving()).toEqual([2, 3]);
    // D-2 was made within seconds of D-1 here, so both have ended a day after D-1's end.
    const ca2 = await db().issuer.findUniqueOrThrow({ where: { name: "D-2" } });
    clock = new Date(Math.max(ca1.notAfter.getTime(), ca2.notAfter.getTime()) + 1000);
    await server.refresh();
    expect(server.serving()).toEqual([]);
  });
});
