import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { shot } from "./helpers";

/**
 * CA generations (issue 10, SPEC 3): an operator creates a lineage, reads the schedule,
 * brings the next generation forward, and sees the CA information and the download
 * server — started here as the CLI runs it (`rootline lineage serve-downloads`) against
 * the e2e server's data directory, and fetched over TLS trusting only CA 1.
 */

const L = "e2e-fleet";
let port = 0;
let downloads: ChildProcess | undefined;

test.describe.configure({ mode: "serial" });
test.use({ viewport: { width: 1440, height: 900 } });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** GET over TLS trusting only `caPem` (what a device holding CA n does). */
function getTrusting(url: string, caPem: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: caPem, checkServerIdentity: () => undefined }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

const root = path.resolve(__dirname, "..");
/** The CLI against the e2e server's data directory (its own process, as an operator or a device runs it). */
function rootline(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, "bin/rootline.mjs"), ...args], { cwd: root, env: { ...process.env, ROOTLINE_DATA_DIR: path.join(root, "e2e/.data/server"), DATABASE_URL: "" }, timeout: 60_000 }, (e, out, err) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? -1) : 0, out, err }),
    );
  });
}

/** A holder's new key pair and CSR (OpenSSL), in `dir`. */
function holderCsr(dir: string, name: string, cn: string): { csr: string; key: string } {
  const key = path.join(dir, `${name}.key`);
  const csr = execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-subj", `/CN=${cn}`], { encoding: "utf8" });
  return { csr, key: fs.readFileSync(key, "utf8") };
}

test.afterAll(async () => {
  // Its own process group (detached): stop exactly it.
  if (downloads?.pid && downloads.exitCode === null) process.kill(-downloads.pid, "SIGTERM");
});

test("an operator creates a lineage and reads its schedule", async ({ page }) => {
  port = await freePort();
  await page.goto("/");
  await page.getByRole("link", { name: "CA generations" }).click();
  await expect(page.getByRole("heading", { name: "CA generations" })).toBeVisible();
  await page.getByRole("link", { name: "New lineage" }).click();
  await page.getByLabel("Name", { exact: true }).fill(L);
  // A template without {n} is refused with the reason, and the input survives.
  await page.getByLabel("Download URL template").fill(`https://127.0.0.1:${port}/ca-info/`);
  await page.getByRole("button", { name: "Create lineage" }).click();
  await expect(page.locator('[data-field-error="downloadUrlTemplate"]')).toContainText("{n}");
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue(L);
  await shot(page, "lineage-create-error");

  await page.getByLabel("Download URL template").fill(`https://127.0.0.1:${port}/ca-info/{n}`);
  await page.getByRole("button", { name: "Create lineage" }).click();
  await expect(page.getByRole("heading", { name: L })).toBeVisible();
  await expect(page.getByText(`generation 1 is the issuer ${L}-1`)).toBeVisible();
  const g1 = page.getByTestId("generation-1");
  await expect(g1).toContainText(`${L}-1`);
  await expect(g1).toContainText("current");
  await expect(g1).toContainText(`https://127.0.0.1:${port}/ca-info/2`);
  await expect(g1).toContainText("not yet");
  // Default 20-year CA, next generation 5 years (1,826 days) before it ends.
  await expect(page.getByTestId("schedule")).toContainText("Generation 2");
  await expect(page.getByTestId("schedule")).toContainText("in 15 years");
  await expect(page.getByTestId("schedule-why")).toContainText("1,826 days (the lead time) before generation 1 expires");
  await expect(page.getByTestId("download-server")).toContainText("not reported");
  await shot(page, "lineage-created");

  // The distribution key on the page is the one the download gives device firmware.
  const pem = await (await page.request.get(`/lineages/${L}/distribution-key`)).text();
  expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  const der = await (await page.request.get(`/lineages/${L}/distribution-key?format=der`)).body();
  expect(crypto.createPublicKey(pem).export({ type: "spki", format: "der" }).equals(der)).toBe(true);
  const fp = crypto.createHash("sha256").update(der).digest("hex").toUpperCase().match(/../g)!.join(":");
  await expect(page.getByTestId("distribution-key-fingerprint")).toHaveText(fp);

  await page.goto("/lineages");
  await expect(page.getByRole("link", { name: L, exact: true })).toBeVisible();
  await shot(page, "lineage-list");
});

test("the operator brings generation 2 forward and sees its CA information", async ({ page }) => {
  await page.goto(`/lineages/${L}`);
  await page.getByRole("button", { name: "Create next generation now" }).click();
  await expect(page.getByText(`Generation 2 created (issuer ${L}-2)`)).toBeVisible();
  await expect(page.getByTestId("generation-1")).toContainText("exists");
  await expect(page.getByTestId("generation-1")).toContainText("current");
  const g2 = page.getByTestId("generation-2");
  await expect(g2).toContainText("next");
  await expect(g2).toContainText(`https://127.0.0.1:${port}/ca-info/3`);
  await expect(page.getByTestId("schedule")).toContainText("Generation 3");
  await shot(page, "lineage-brought-forward");

  // CA information 2 in both forms, as the page links them.
  const json = await (await page.request.get(`/lineages/${L}/ca-info/2`)).json();
  expect(json).toMatchObject({ version: 1, lineage: L, generation: 2, nextUrl: `https://127.0.0.1:${port}/ca-info/3` });
  const der = await (await page.request.get(`/lineages/${L}/ca-info/2?format=der`)).body();
  expect(der[0]).toBe(0x30);
  expect(Buffer.from(json.tbs, "base64").length).toBeLessThan(der.length);
  expect((await page.request.get(`/lineages/${L}/ca-info/9`)).status()).toBe(404);

  // The audit log has the operator's bring-forward.
  await page.goto("/audit?action=lineage.next-generation");
  await expect(page.locator("td", { hasText: "lineage.next-generation" }).first()).toBeVisible();
  await expect(page.locator("tr", { hasText: "lineage.next-generation" }).first()).toContainText("admin@rootline.test");
});

test("the download server reports to the page and serves CA information 2 under CA 1", async ({ page }) => {
  downloads = spawn(process.execPath, [path.join(root, "bin/rootline.mjs"), "lineage", "serve-downloads", "--name", L, "--port", String(port)], {
    cwd: root,
    env: { ...process.env, ROOTLINE_DATA_DIR: path.join(root, "e2e/.data/server"), DATABASE_URL: "" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  downloads.stderr!.on("data", (d) => (err += d));
  const started = await new Promise<{ url: string; serving: number[] }>((resolve, reject) => {
    let out = "";
    downloads!.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0]));
    });
    downloads!.once("exit", (code) => reject(new Error(`serve-downloads exited ${code}: ${err}`)));
  });
  expect(started).toEqual({ url: `https://127.0.0.1:${port}`, serving: [2] });

  await page.goto(`/lineages/${L}`);
  const card = page.getByTestId("download-server");
  await expect(card).toContainText("running");
  await expect(card).toContainText(`https://127.0.0.1:${port}`);
  await expect(card).toContainText(`CA information 2 at https://127.0.0.1:${port}/ca-info/2 with a certificate of CA 1`);
  await shot(page, "lineage-download-server");

  // A device holding only CA 1 reaches CA information 2 at the URL CA information 1 announced.
  const ca1 = await (await page.request.get(`/api/repository/${L}-1/ca.crt?format=pem`)).text();
  const r = await getTrusting(`https://127.0.0.1:${port}/ca-info/2`, ca1);
  expect(r.status).toBe(200);
  const served = JSON.parse(r.body);
  const published = await (await page.request.get(`/lineages/${L}/ca-info/2`)).json();
  expect(served).toEqual(published);
});

test("after generation 1 is revoked, an application server renews from generation 2 and a device accepts it after promotion", async ({ page }) => {
  test.setTimeout(180_000); // a handful of CLI processes on a loaded machine
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-e2e-move-"));
  // The application server's certificate from CA 1 (profile server, its own key).
  const first = holderCsr(dir, "app1", "app.e2e");
  fs.writeFileSync(path.join(dir, "app1.csr"), first.csr);
  let r = await rootline(["cert", "issue", "--issuer", `${L}-1`, "--csr", path.join(dir, "app1.csr"), "--profile", "server", "--san", "IP:127.0.0.1"]);
  expect(r.code, r.err).toBe(0);
  const serial = new crypto.X509Certificate(r.out).serialNumber;

  // Generation 1 is revoked: generation 2 exists already, so the servers of 1 are asked to move at once.
  r = await rootline(["lineage", "revoke-generation", "--name", L, "--generation", "1", "--reason", "e2e: retired"]);
  expect(r.code, r.err).toBe(0);
  const revoked = JSON.parse(r.out);
  expect(revoked.moves).toMatchObject([{ n: 1, issuer: `${L}-1`, successor: `${L}-2` }]);
  const token: string = revoked.moves[0].renewalTokens[0].token;

  // A revoked generation issues nothing more (CLI: exit 2, the field named).
  r = await rootline(["cert", "issue", "--issuer", `${L}-1`, "--csr", path.join(dir, "app1.csr")]);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/issuer: .*was revoked .*issues no more certificates/);

  await page.goto(`/lineages/${L}`);
  await expect(page.getByTestId("moved-1")).toContainText("moved: 0 of 1");
  await expect(page.getByTestId("not-moved-1")).toContainText("CN=app.e2e");
  await expect(page.getByTestId("not-moved-1")).toContainText("not moved yet");

  // The holder renews through the public renewal endpoint with its token: the replacement is CA 2's.
  const serialDec = BigInt(`0x${serial}`).toString();
  expect(await (await page.request.get(`/api/renewal/${L}-1/${serialDec}`)).json()).toMatchObject({ pending: true, renewFrom: `${L}-2` });
  const second = holderCsr(dir, "app2", "app.e2e");
  const res = await page.request.post(`/api/renewal/${L}-1/${serialDec}`, { data: { csr: second.csr, token } });
  expect(res.status()).toBe(201);
  const renewed = await res.json();
  expect(renewed.issuer).toBe(`${L}-2`);
  const ca2 = await (await page.request.get(`/api/repository/${L}-2/ca.crt?format=pem`)).text();
  expect(new crypto.X509Certificate(renewed.pem).verify(new crypto.X509Certificate(ca2).publicKey)).toBe(true);

  await page.reload();
  await expect(page.getByTestId("moved-1")).toContainText("moved: 1 of 1");
  await expect(page.getByTestId("moves")).toContainText("Every server asked has moved.");
  await shot(page, "lineage-servers-moved");

  // A device made with CA information 1 fetches 2 from the download server, then meets the renewed server and promotes.
  const state = path.join(dir, "device.json");
  fs.writeFileSync(path.join(dir, "distribution.pem"), await (await page.request.get(`/lineages/${L}/distribution-key`)).text());
  fs.writeFileSync(path.join(dir, "ca-info-1.der"), await (await page.request.get(`/lineages/${L}/ca-info/1?format=der`)).body());
  r = await rootline(["device", "generations", "init", "--state", state, "--distribution-key", path.join(dir, "distribution.pem"), "--ca-info", path.join(dir, "ca-info-1.der")]);
  expect(r.code, r.err).toBe(0);
  r = await rootline(["device", "generations", "poll", "--state", state]);
  expect(JSON.parse(r.out)).toMatchObject({ result: "stored-next", generation: 2 });
  const app = https.createServer({ cert: renewed.pem, key: second.key }, (_q, s) => s.end("ok"));
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", () => resolve()));
  try {
    const appPort = (app.address() as net.AddressInfo).port;
    r = await rootline(["device", "generations", "check", "--host", "127.0.0.1", "--port", String(appPort), "--state", state]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ accepted: true, promoted: true, generation: 2 });
  } finally {
    app.closeAllConnections();
    await new Promise<void>((resolve) => app.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
