import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { shot } from "./helpers";

function csr(cn: string): string {
  return execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj", `/CN=${cn}`], { encoding: "utf8" });
}

test.describe.configure({ mode: "serial" });
test.use({ viewport: { width: 1440, height: 900 } });

test("an operator builds root → intermediate, sees the tree, issues from the intermediate and downloads the chain", async ({ page }) => {
  // The root, with the public URL relying parties reach the repository at.
  await page.goto("/issuers/new");
  await page.getByLabel("Name", { exact: true }).fill("corp-root");
  await page.getByLabel("Common name (CN)").fill("Corp Root CA");
  await page.getByLabel("Public URL").fill("https://pki.example.test");
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page.getByRole("heading", { name: "corp-root" })).toBeVisible();
  await expect(page.getByTestId("issuer-parent")).toHaveText("itself (root CA)");

  // The intermediate: signed by the root, path length 0, only names under devices.example.
  await page.goto("/issuers/new");
  await page.getByLabel("Name", { exact: true }).fill("corp-devices");
  await page.getByLabel("Signed by").selectOption("corp-root");
  await page.getByLabel("Path length").fill("0");
  await page.getByLabel("Permitted DNS suffixes").fill("devices.example");
  await page.getByLabel("CA validity (days)").fill("9000");
  await shot(page, "intermediate-new");
  await page.getByRole("button", { name: "Create issuer" }).click();
  // Longer than its parent: refused beside the field; the choices are kept.
  await expect(page.locator('[data-field-error="validityDays"]')).toContainText("outlive its parent");
  await expect(page.getByLabel("Signed by")).toHaveValue("corp-root");
  await expect(page.getByLabel("Permitted DNS suffixes")).toHaveValue("devices.example");
  await shot(page, "intermediate-new-error");
  await page.getByLabel("CA validity (days)").fill("1825");
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page.getByRole("heading", { name: "corp-devices" })).toBeVisible();
  await expect(page.getByTestId("issuer-parent")).toHaveText("corp-root");
  await expect(page.getByTestId("issuer-name-constraints")).toHaveText("permitted DNS:devices.example; excluded IP:0.0.0.0/0, IP:::/0");
  await expect(page.getByTestId("issuer-public-url")).toHaveText("https://pki.example.test"); // inherited from the parent
  await shot(page, "intermediate-detail");

  // The issuers page shows the hierarchy as a tree.
  await page.goto("/issuers");
  const rows = page.getByTestId("issuer-tree-row");
  await expect(rows.filter({ hasText: "corp-root" })).toHaveAttribute("data-depth", "0");
  await expect(rows.filter({ hasText: "corp-devices" })).toHaveAttribute("data-depth", "1");
  const names = await rows.allInnerTexts();
  expect(names.findIndex((t) => t.includes("corp-devices"))).toBe(names.findIndex((t) => t.includes("corp-root")) + 1);
  await shot(page, "issuers-tree");

  // Issuing from the intermediate: a name outside its constraints is refused on the SAN field.
  await page.goto("/certificates/issue");
  await page.getByLabel("Issuer").selectOption("corp-devices");
  await page.getByLabel("Certificate signing request (PKCS#10, PEM)").fill(csr("gw.other.example"));
  await page.getByLabel("Subject alternative names").fill("DNS:gw.other.example");
  await page.getByRole("button", { name: "Issue certificate" }).click();
  await expect(page.locator('[data-field-error="sans"]')).toContainText('outside the names the CA "corp-devices" may certify');
  await expect(page.getByLabel("Issuer")).toHaveValue("corp-devices");
  await shot(page, "intermediate-issue-refused");
  await page.getByLabel("Certificate signing request (PKCS#10, PEM)").fill(csr("gw.devices.example"));
  await page.getByLabel("Subject alternative names").fill("DNS:gw.devices.example");
  await page.getByRole("button", { name: "Issue certificate" }).click();
  await expect(page.getByText("Certificate issued")).toBeVisible();
  await expect(page.getByTestId("certificate-details")).toContainText("https://pki.example.test/api/repository/corp-devices/crl");
  await shot(page, "intermediate-certificate");

  // The chain download holds the leaf, the intermediate and the root; OpenSSL verifies it.
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: /^Chain/ }).click();
  const chain = fs.readFileSync((await (await download).path())!, "utf8");
  const pems = chain.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g) ?? [];
  expect(pems).toHaveLength(3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-chain-"));
  const f = (n: string, s: string) => (fs.writeFileSync(path.join(dir, n), s), path.join(dir, n));
  const v = spawnSync("openssl", ["verify", "-CAfile", f("root.pem", pems[2]!), "-untrusted", f("int.pem", pems[1]!), f("leaf.pem", pems[0]!)], { encoding: "utf8" });
  expect(v.stdout).toContain("leaf.pem: OK");

  // The intermediate's own chain (it and the root) from its page.
  await page.goto("/issuers/corp-devices");
  const caDownload = page.waitForEvent("download");
  await page.getByTestId("issuer-chain").click();
  const caChain = fs.readFileSync((await (await caDownload).path())!, "utf8");
  expect(caChain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
});
