import { expect, test } from "@playwright/test";
import { shot } from "./helpers";

test.use({ viewport: { width: 1440, height: 900 } });

/** The new-issuer form's key storage (issue 14): the hardware token is offered only when one is configured. */
test("the new-issuer form offers the key storage: the PKCS#11 token disabled and explained without configuration, else the CA key made in it", async ({ page }) => {
  await page.goto("/issuers/new");
  const storage = page.getByLabel("Key storage");
  await expect(storage).toHaveValue("software");
  const token = storage.locator('option[value="pkcs11"]');
  if (process.env.ROOTLINE_PKCS11_LIBRARY) {
    // Run with a token configured (docs/OPERATIONS.md's SoftHSM2 example): the CA key is made in it.
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
