import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { shot } from "./helpers";

/**
 * Issue 13's Contract against the app as `npm start` runs it (scripts/e2e-server.sh sets
 * ROOTLINE_HTTPS_PORT=port+1, ROOTLINE_HTTPS_ISSUER=e2e-https, ROOTLINE_ACME_HTTP01_PORT=port+2
 * and ROOTLINE_ACME_HOSTS): the operator creates the issuer and its ACME policy with the CLI,
 * certbot (Debian's) enrols exactly as the Contract runs it, a device enrols by EST with curl
 * and OpenSSL, `openssl ocsp` asks the status — then the operator finds all of it in the UI.
 */

const ISSUER = "e2e-https";
const PORT = Number(process.env.E2E_PORT ?? 3100);
const HTTPS_PORT = Number(process.env.E2E_HTTPS_PORT ?? PORT + 1);
const HTTP01_PORT = Number(process.env.E2E_HTTP01_PORT ?? PORT + 2);
const root = path.resolve(__dirname, "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rl-e2e-protocols-"));

test.describe.configure({ mode: "serial" });
test.use({ viewport: { width: 1440, height: 900 } });

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: root, env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 << 20 }, (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? -1) : 0, out: String(out), err: String(err) }));
  });
}

/** The CLI against the e2e server's data directory. */
const rootline = (args: string[]) => run(process.execPath, [path.join(root, "bin/rootline.mjs"), ...args], { ROOTLINE_DATA_DIR: path.join(root, "e2e/.data/server"), DATABASE_URL: "" });

async function httpsUp(ca: string): Promise<boolean> {
  const r = await run("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca, `https://127.0.0.1:${HTTPS_PORT}/api/health`]);
  return r.out === "200";
}

test.skip(!fs.existsSync("/usr/bin/certbot"), "certbot (Debian) is not installed; npm test installs it");

test("certbot enrols over the app's HTTPS listener, a device enrols by EST, openssl asks OCSP, and the operator sees it all", async ({ page }) => {
  test.setTimeout(180_000);
  expect((await rootline(["issuer", "create", "--name", ISSUER, "--key", "ec-p256"])).code).toBe(0);
  const policy = await rootline(["acme", "policy", "--issuer", ISSUER, "--allow-dns", "rootline.test"]);
  expect(policy.code, policy.err).toBe(0);
  const ca = path.join(dir, "ca.pem");
  fs.writeFileSync(ca, await (await page.request.get(`/api/repository/${ISSUER}/ca.crt?format=pem`)).text());
  // The listener waits for its issuer and looks again every few seconds.
  await expect.poll(() => httpsUp(ca), { timeout: 20_000, intervals: [500] }).toBe(true);

  // ACME: the Contract's certbot command line.
  const certbot = await run(
    "certbot",
    ["certonly", "--standalone", "--http-01-port", String(HTTP01_PORT), "--server", `https://127.0.0.1:${HTTPS_PORT}/acme/${ISSUER}/directory`, "-d", "app.rootline.test", "--agree-tos", "--register-unsafely-without-email", "--non-interactive", "--config-dir", path.join(dir, "config"), "--work-dir", path.join(dir, "work"), "--logs-dir", path.join(dir, "logs")],
    { REQUESTS_CA_BUNDLE: ca },
  );
  expect(certbot.code, certbot.out + certbot.err).toBe(0);
  const live = path.join(dir, "config/live/app.rootline.test");
  expect(execFileSync("openssl", ["verify", "-CAfile", ca, path.join(live, "cert.pem")]).toString()).toContain(": OK");

  // EST: cacerts, then simpleenroll with the enrolment secret (RFC 7030 4.1, 4.2).
  const est = `https://127.0.0.1:${HTTPS_PORT}/.well-known/est/${ISSUER}`;
  const secret = await rootline(["est", "secret", "--issuer", ISSUER]);
  expect(secret.code, secret.err).toBe(0);
  const cacerts = await run("sh", ["-c", `curl -sSf --cacert ${ca} ${est}/cacerts | base64 -d | openssl pkcs7 -inform DER -print_certs`]);
  expect(cacerts.out).toContain(`subject=CN = ${ISSUER}`);
  execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path.join(dir, "device.key"), "-subj", "/CN=device-7", "-outform", "DER", "-out", path.join(dir, "device.csr")]);
  fs.writeFileSync(path.join(dir, "device.b64"), fs.readFileSync(path.join(dir, "device.csr")).toString("base64"));
  const enrol = await run("sh", ["-c", `curl -sSf --cacert ${ca} -u est:${secret.out.trim()} -H 'Content-Type: application/pkcs10' --data-binary @${dir}/device.b64 ${est}/simpleenroll | base64 -d | openssl pkcs7 -inform DER -print_certs`]);
  expect(enrol.out, enrol.err).toContain("subject=CN = device-7");

  // OCSP, plain HTTP: the certbot certificate is good.
  const ocsp = await run("openssl", ["ocsp", "-issuer", ca, "-cert", path.join(live, "cert.pem"), "-url", `http://127.0.0.1:${PORT}/ocsp/${ISSUER}`, "-CAfile", ca, "-resp_text"]);
  expect(ocsp.out + ocsp.err).toMatch(/cert\.pem: good/);

  // What the operator sees: both certificates under the issuer, the ACME account in the audit log.
  await page.goto(`/issuers/${ISSUER}`);
  await expect(page.getByText(`https://127.0.0.1:${HTTPS_PORT}/acme/${ISSUER}/directory`)).toBeVisible();
  await page.goto(`/certificates?issuer=${ISSUER}`);
  await expect(page.getByRole("cell", { name: "CN=app.rootline.test", exact: true })).toBeVisible();
  await expect(page.getByRole("cell", { name: "CN=device-7", exact: true })).toBeVisible();
  await shot(page, "certificates-acme-est");
  await page.goto("/audit?action=acme.account-create");
  await expect(page.getByRole("main").getByRole("cell").filter({ hasText: "registered ACME account" }).first()).toBeVisible();
  await shot(page, "audit-acme-account");
});
