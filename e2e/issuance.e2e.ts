import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { shot } from "./helpers";

function csr(cn: string): string {
  return execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj", `/CN=${cn}`], { encoding: "utf8" });
}

test.describe.configure({ mode: "serial" });

test("an administrator creates an issuer and sees its decoded CA certificate", async ({ page }) => {
  await page.goto("/issuers");
  await shot(page, "issuers-empty");
  await page.getByRole("link", { name: "New issuer" }).click();
  await page.getByLabel("Name", { exact: true }).fill("fleet-ca");
  await page.getByLabel("Common name (CN)").fill("Fleet Root CA");
  await page.getByLabel("Organization (O)").fill("Acme Devices");
  await page.getByLabel("Country (C)").fill("DE");
  await shot(page, "issuer-new");
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page.getByRole("heading", { name: "fleet-ca" })).toBeVisible();
  await expect(page.getByTestId("certificate-details")).toContainText("CN=Fleet Root CA, O=Acme Devices, C=DE");
  await expect(page.getByTestId("certificate-details")).toContainText("ECDSA P-256");
  await expect(page.getByTestId("issuer-rn")).toHaveText("0");
  await shot(page, "issuer-detail");

  // A duplicate name is refused beside the field, nothing is created.
  await page.goto("/issuers/new");
  await page.getByLabel("Name", { exact: true }).fill("fleet-ca");
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page.locator('[data-field-error="name"]')).toContainText("already exists");
});

test("an operator issues from a CSR, finds it, opens and downloads it", async ({ page }) => {
  await page.goto("/certificates/issue");
  await page.getByLabel("Issuer").selectOption("fleet-ca");
  // A malformed CSR: a clear error on the field.
  await page.getByLabel("Certificate signing request (PKCS#10, PEM)").fill("-----BEGIN CERTIFICATE REQUEST-----\nMIIBnotbase64!!\n-----END CERTIFICATE REQUEST-----");
  await page.getByRole("button", { name: "Issue certificate" }).click();
  await expect(page.locator('[data-field-error="csr"]')).toBeVisible();
  await shot(page, "issue-csr-error");

  await page.getByLabel("Certificate signing request (PKCS#10, PEM)").fill(csr("printer-7.example"));
  await page.getByLabel("Subject alternative names").fill("DNS:printer-7.example, IP:10.1.2.3");
  await page.getByLabel("Profile").selectOption("both");
  await shot(page, "issue-csr");
  await page.getByRole("button", { name: "Issue certificate" }).click();
  await expect(page.getByText("Certificate issued")).toBeVisible();
  await expect(page.getByTestId("certificate-details")).toContainText("DNS:printer-7.example");
  await expect(page.getByTestId("certificate-details")).toContainText("IP:10.1.2.3");
  await expect(page.getByTestId("certificate-details")).toContainText("serverAuth");
  await shot(page, "certificate-detail");

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Certificate (PEM)" }).click();
  const file = await (await download).path();
  const text = execFileSync("openssl", ["x509", "-in", file, "-noout", "-subject"], { encoding: "utf8" });
  expect(text).toContain("printer-7.example");

  await page.goto("/certificates");
  await page.getByPlaceholder("subject, SAN or serial").fill("10.1.2.3");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("row")).toHaveCount(2);
  await expect(page.getByRole("cell", { name: "CN=printer-7.example" })).toBeVisible();
  await shot(page, "certificates-search");
});

test("an operator issues with a server-generated key and downloads a PKCS#12", async ({ page }) => {
  await page.goto("/certificates/issue");
  await page.getByLabel("Issuer").selectOption("fleet-ca");
  await page.getByRole("tab", { name: "Generate key on server" }).click();
  await page.getByLabel("Common name (CN)").fill("gateway-12.example");
  await page.getByLabel("Key type").selectOption("ec-p384");
  await shot(page, "issue-generate");
  await page.getByRole("button", { name: "Issue certificate" }).click();
  await expect(page.getByText("Download the key and certificate below")).toBeVisible();
  await expect(page.getByTestId("certificate-details")).toContainText("ECDSA P-384");
  await page.getByLabel("PKCS#12 password").fill("p12-password-1");
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download PKCS#12" }).click();
  const file = await (await download).path();
  const out = execFileSync("openssl", ["pkcs12", "-in", file, "-passin", "pass:p12-password-1", "-nodes"], { encoding: "utf8" });
  expect(out).toContain("BEGIN PRIVATE KEY");
  expect(out).toContain("gateway-12.example");
  expect(fs.statSync(file).size).toBeGreaterThan(500);
});

test("an auditor can read but cannot issue", async ({ page, browser }) => {
  // The administrator creates the auditor.
  await page.goto("/users");
  await page.getByLabel("Email", { exact: true }).fill("auditor@rootline.test");
  await page.getByLabel("Role").selectOption("auditor");
  await page.getByLabel("Initial password").fill("auditor-password-1");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByText("created auditor@rootline.test (auditor)")).toBeVisible();
  await shot(page, "users");

  const ctx = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const p = await ctx.newPage();
  await p.goto("/signin");
  await p.getByLabel("Email", { exact: true }).fill("auditor@rootline.test");
  await p.getByLabel("Password").fill("auditor-password-1");
  await p.getByRole("button", { name: "Sign in" }).click();
  await expect(p.getByRole("heading", { name: "Overview" })).toBeVisible();
  await p.goto("/certificates");
  await expect(p.getByRole("link", { name: "Issue certificate" })).toHaveCount(0);
  await p.goto("/certificates/issue");
  await expect(p.getByRole("heading", { name: "Not allowed" })).toBeVisible();
  await p.goto("/audit");
  await p.getByRole("link", { name: "Verify the whole chain" }).click();
  await expect(p.getByText("Chain intact")).toBeVisible();
  await expect(p.getByRole("cell", { name: "certificate.issue" }).first()).toBeVisible();
  await shot(p, "audit-log");
  await ctx.close();
});

test("the API issues from a CSR with a bearer token and refuses bad requests", async ({ page, request }) => {
  await page.goto("/tokens");
  await page.getByLabel("Token name").fill("provisioning");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();
  await shot(page, "tokens");
  const auth = { Authorization: `Bearer ${token}` };

  expect((await request.get("/api/health")).status()).toBe(200);
  expect((await request.get("/api/v1/certificates")).status()).toBe(401);
  expect((await request.get("/api/v1/certificates", { headers: { Authorization: "Bearer rl_wrong" } })).status()).toBe(401);

  const ok = await request.post("/api/v1/certificates", { headers: auth, data: { issuer: "fleet-ca", csr: csr("api-device.example"), profile: "server" } });
  expect(ok.status()).toBe(201);
  const body = await ok.json();
  expect(body.pem).toContain("BEGIN CERTIFICATE");
  expect(body.sans).toEqual(["DNS:api-device.example"]);

  const get = await request.get(`/api/v1/certificates/${body.id}`, { headers: auth });
  expect((await get.json()).serial).toBe(body.serial);

  const bad = [
    [{ issuer: "nope", csr: csr("x.example") }, 404, "issuer"],
    [{ issuer: "fleet-ca", csr: "garbage" }, 400, "csr"],
    [{ issuer: "fleet-ca", csr: 42 }, 400, "csr"],
    [{ issuer: "fleet-ca", csr: csr("x.example"), sans: ["URI:x"] }, 400, "san"],
  ] as const;
  for (const [data, status, field] of bad) {
    const r = await request.post("/api/v1/certificates", { headers: auth, data });
    expect(r.status(), JSON.stringify(data).slice(0, 60)).toBe(status);
    expect((await r.json()).field).toBe(field);
  }
  const huge = await request.post("/api/v1/certificates", { headers: { ...auth, "Content-Type": "application/json" }, data: JSON.stringify({ issuer: "fleet-ca", csr: "A".repeat(300_000) }) });
  expect(huge.status()).toBe(413);
  const list = await request.get("/api/v1/certificates?issuer=fleet-ca&sort=serial&dir=asc", { headers: auth });
  expect((await list.json()).total).toBeGreaterThanOrEqual(3);
});
