import { expect, test } from "@playwright/test";
import { shot } from "./helpers";

test.use({ viewport: { width: 1440, height: 900 } });

test("an operator sets an issuer's ACME policy, creates an account binding key seen once, and sees the directory URL", async ({ page }) => {
  await page.goto("/issuers/new");
  await page.getByLabel("Name", { exact: true }).fill("acme-e2e");
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page).toHaveURL(/\/issuers\/acme-e2e$/);

  const protocols = page.getByTestId("protocols");
  await expect(protocols.getByTestId("acme-directory-url")).toHaveText(/\/acme\/acme-e2e\/directory$/);
  await expect(protocols.getByTestId("ocsp-url")).toHaveText(/^http:\/\/.+\/ocsp\/acme-e2e$/);

  // A wildcard suffix is refused beside its field, the rest of the input kept.
  await page.getByLabel("ACME clients may request certificates from this CA").check();
  await page.getByLabel("Domain names it certifies").fill("*.rootline.test");
  await page.getByLabel("IP ranges it certifies").fill("10.0.0.0/8");
  await page.getByRole("button", { name: "Save ACME policy" }).click();
  await expect(page.locator('[data-field-error="allowDns"]')).toContainText("wildcard");
  await expect(page.getByLabel("IP ranges it certifies")).toHaveValue("10.0.0.0/8");

  await page.getByLabel("Domain names it certifies").fill("rootline.test\n.apps.example");
  await page.getByLabel("New ACME accounts need an account binding key (EAB)").check();
  await page.getByRole("button", { name: "Save ACME policy" }).click();
  await expect(page.getByText("ACME policy saved")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Domain names it certifies")).toHaveValue("rootline.test\n.apps.example");
  await expect(page.getByLabel("New ACME accounts need an account binding key (EAB)")).toBeChecked();

  await page.getByLabel("Label").fill("web-01");
  await page.getByRole("button", { name: "Create key" }).click();
  const kid = (await page.getByTestId("eab-kid").textContent())!;
  const hmac = (await page.getByTestId("eab-hmac").textContent())!;
  expect(kid).toMatch(/^eab_/);
  expect(hmac).toMatch(/^[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId("eab-certbot")).toHaveText(new RegExp(`--server \\S+/acme/acme-e2e/directory --eab-kid ${kid} --eab-hmac-key ${hmac}`));
  await expect(page.getByTestId("eab-keys")).toContainText(kid);
  await protocols.scrollIntoViewIfNeeded();
  await shot(page, "issuer-protocols");

  // Shown once: after a reload the key is listed, its HMAC key nowhere.
  await page.reload();
  await expect(page.getByTestId("eab-keys")).toContainText("web-01");
  expect(await page.content()).not.toContain(hmac);
  await page.getByRole("button", { name: `Revoke ${kid}` }).click();
  await expect(page.getByTestId("eab-keys").locator("tr", { hasText: kid })).toContainText("revoked");

  // EST: the endpoint URLs, and a new enrolment secret shown once, then known by its prefix.
  await expect(page.getByTestId("est-urls")).toContainText("/.well-known/est/acme-e2e/simplereenroll");
  await expect(page.getByTestId("est-secret-status")).toHaveText("No enrolment secret yet.");
  await page.getByRole("button", { name: "New enrolment secret" }).click();
  const secret = (await page.getByTestId("est-secret").textContent())!;
  await page.reload();
  await expect(page.getByTestId("est-secret-status")).toContainText(`${secret.slice(0, 10)}…`);
  expect(await page.content()).not.toContain(secret);
});
