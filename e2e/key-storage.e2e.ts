import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { shot } from "./helpers";

/** scripts/e2e-server.sh gives the server a throw-away SoftHSM2 token whenever Debian's softhsm2 is installed (npm test installs it). */
const tokenExpected = !!process.env.ROOTLINE_PKCS11_LIBRARY || fs.existsSync("/usr/lib/softhsm/libsofthsm2.so");

test.use({ viewport: { width: 1440, height: 900 } });

/** The new-issuer form's key storage (issue 14): the hardware token is offered only when one is configured. */
test("the new-issuer form offers the key storage: the PKCS#11 token disabled and explained without configuration, else the CA key made in it", async ({ page }) => {
  await page.goto("/issuers/new");
  const storage = page.getByLabel("Key storage");
  await expect(storage).toHaveValue("software");
  const token = storage.locator('option[value="pkcs11"]');
  if (tokenExpected) {
    // A token configured (as docs/OPERATIONS.md's SoftHSM2 example): the CA key is made in it.
    await expect(token).toBeEnabled();
    await page.getByLabel("Name", { exact: true }).fill("hsm-e2e");
    await storage.selectOption("pkcs11");
    await shot(page, "issuer-new-key-storage-token");
    await page.getByRole("button", { name: "Create issuer" }).click();
    await expect(page).toHaveURL(/\/issuers\/hsm-e2e$/);
    await expect(page.getByTestId("issuer-key-storage")).toHaveText("hardware token (PKCS#11)");
    await page.goto("/issuers");
    await expect(page.getByRole("row", { name: /hsm-e2e/ })).toContainText("hardware token");
    await shot(page, "issuers-key-storage-token");
    return;
  } else {
    await expect(token).toBeDisabled();
    await expect(token).toHaveText(/Hardware token \(PKCS#11\) — not configured/);
    await expect(page.getByText(/no PKCS#11 token is configured \(ROOTLINE_PKCS11_LIBRARY/)).toBeVisible();
  }
  await shot(page, "issuer-new-key-storage");
});

/** A lineage with its keys in the token (issue 14): the distribution key and generation 1's CA key are made there. */
test("the new-lineage form puts the distribution key and the generations' CA keys in the token", async ({ page }) => {
  await page.goto("/lineages/new");
  const storage = page.getByLabel("Key storage");
  await expect(storage).toHaveValue("software");
  if (!tokenExpected) {
    await expect(page.getByText(/no PKCS#11 token is configured/)).toBeVisible();
    return;
  }
  await page.getByLabel("Name", { exact: true }).fill("hsm-line");
  await page.getByLabel("Download URL template").fill("https://downloads.rootline.test/ca-info/{n}");
  await storage.selectOption("pkcs11");
  await expect(page.getByText(/the distribution key and every generation's CA key are generated in the PKCS#11 token/)).toBeVisible();
  await shot(page, "lineage-new-key-storage-token");
  await page.getByRole("button", { name: "Create lineage" }).click();
  await expect(page).toHaveURL(/\/lineages\/hsm-line(\?|$)/);
  await expect(page.getByTestId("lineage-key-storage")).toHaveText("hardware token (PKCS#11)");
  await expect(page.getByText("It and every generation's CA key are in the PKCS#11 token and never leave it.")).toBeVisible();
  await shot(page, "lineage-key-storage-token");
  await page.goto("/issuers/hsm-line-1");
  await expect(page.getByTestId("issuer-key-storage")).toHaveText("hardware token (PKCS#11)");
});
