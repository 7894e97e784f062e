import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { shot } from "./helpers";

function csr(cn: string): string {
  return execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj", `/CN=${cn}`], { encoding: "utf8" });
}

test.describe.configure({ mode: "serial" });
test.use({ viewport: { width: 1440, height: 900 } });

test("an administrator adds a profile and sees its key usage, EKUs and maximum validity listed", async ({ page }) => {
  await page.goto("/profiles");
  await expect(page.locator('[data-profile="server"]')).toContainText("serverAuth");
  await expect(page.locator('[data-profile="repository"]')).toContainText("internal");
  await shot(page, "profiles");

  await page.getByLabel("Name", { exact: true }).fill("smime");
  await page.getByLabel("Description").fill("S/MIME signing");
  await page.getByLabel("Maximum validity (days)").fill("60");
  await page.getByLabel("digitalSignature").check();
  await page.getByLabel("nonRepudiation").check();
  // No EKU chosen: refused beside the field, the other choices kept.
  await page.getByRole("button", { name: "Add profile" }).click();
  await expect(page.locator('[data-field-error="extKeyUsage"]')).toContainText("at least one extended key usage");
  await expect(page.getByLabel("nonRepudiation")).toBeChecked();
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("smime");
  await shot(page, "profiles-add-error");
  await page.getByLabel("emailProtection").check();
  await page.getByLabel("clientAuth").check();
  await page.getByRole("button", { name: "Add profile" }).click();
  await expect(page.getByText('profile "smime" added')).toBeVisible();
  const row = page.locator('[data-profile="smime"]');
  await expect(row).toContainText("custom");
  await expect(row).toContainText("digitalSignature, nonRepudiation");
  await expect(row).toContainText("clientAuth, emailProtection");
  await expect(row).toContainText("60 days");
  await shot(page, "profiles-added");
});

test("a certificate validity longer than the CA's own is refused at issuer creation", async ({ page }) => {
  await page.goto("/issuers/new");
  await page.getByLabel("Name", { exact: true }).fill("short-ca");
  await page.getByLabel("CA validity (days)").fill("30");
  await page.getByLabel("Certificate validity (days)").fill("40");
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page.locator('[data-field-error="certValidityDays"]')).toContainText("longer than the CA's own validity (30 days)");
  await shot(page, "issuer-new-validity-error");
  await page.getByLabel("Certificate validity (days)").fill("30");
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page.getByRole("heading", { name: "short-ca" })).toBeVisible();
});

test("issues with the custom profile and a validity override; an over-long override is refused naming the field; a default past the CA is capped and says so", async ({ page }) => {
  await page.goto("/certificates/issue?issuer=short-ca");
  await page.getByLabel("Profile").selectOption("smime");
  await page.getByLabel("Certificate signing request (PKCS#10, PEM)").fill(csr("alice"));
  await page.getByLabel("Validity (days, optional)").fill("61");
  await page.getByRole("button", { name: "Issue certificate" }).click();
  await expect(page.locator('[data-field-error="validityDays"]')).toContainText("at most 30 days");
  // The chosen issuer and profile survive the error.
  await expect(page.getByLabel("Profile")).toHaveValue("smime");
  await expect(page.getByLabel("Issuer")).toHaveValue("short-ca");
  await shot(page, "issue-validity-refused");

  await page.getByLabel("Validity (days, optional)").fill("10");
  await page.getByRole("button", { name: "Issue certificate" }).click();
  await expect(page.getByText("Certificate issued")).toBeVisible();
  await expect(page.getByTestId("certificate-details")).toContainText("emailProtection");
  await expect(page.getByText("capped at the CA's expiry")).toHaveCount(0);
  await shot(page, "certificate-custom-profile");

  // No override: the issuer's 30 days would end after the CA (created a moment earlier): capped, and said.
  await page.goto("/certificates/issue?issuer=short-ca");
  await page.getByLabel("Profile").selectOption("client");
  await page.getByLabel("Certificate signing request (PKCS#10, PEM)").fill(csr("bob"));
  await page.getByRole("button", { name: "Issue certificate" }).click();
  await expect(page.getByText("Certificate issued")).toBeVisible();
  await expect(page.getByText("capped at the CA's expiry")).toBeVisible();
  await shot(page, "certificate-capped");
});

test("the profile's own maximum bounds the override", async ({ page }) => {
  await page.goto("/issuers/new");
  await page.getByLabel("Name", { exact: true }).fill("long-ca");
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page.getByRole("heading", { name: "long-ca" })).toBeVisible();
  await page.goto("/certificates/issue?issuer=long-ca");
  await page.getByLabel("Profile").selectOption("smime");
  await page.getByLabel("Certificate signing request (PKCS#10, PEM)").fill(csr("carol"));
  await page.getByLabel("Validity (days, optional)").fill("61");
  await page.getByRole("button", { name: "Issue certificate" }).click();
  await expect(page.locator('[data-field-error="validityDays"]')).toContainText("at most 60 days: the maximum of the smime profile");
  await shot(page, "issue-profile-max-refused");
});
