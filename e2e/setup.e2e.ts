import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { ADMIN, shot } from "./helpers";

// A new installation: the first visit leads to set-up; the administrator is created and signed in.
test("a new user sets up the administrator and signs in", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await shot(page, "setup");
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Confirm password").fill("something else entirely");
  await page.getByRole("button", { name: "Create administrator" }).click();
  await expect(page.getByText("the passwords do not match")).toBeVisible();
  // The email survives the error; the passwords are not echoed back.
  await expect(page.getByLabel("Email")).toHaveValue(ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Confirm password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create administrator" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("signed-in-user")).toHaveText(ADMIN.email);

  // Set-up is closed now: it sends a signed-in user on to the overview.
  await page.goto("/setup");
  await expect(page).not.toHaveURL(/\/setup/);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();

  // Sign out, a wrong password is refused, the right one works.
  await page.goto("/");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("wrong email or password")).toBeVisible();
  await shot(page, "signin-error");
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await shot(page, "overview");

  // Nothing exists yet: every empty page says what comes first and leads there.
  await page.setViewportSize({ width: 1440, height: 900 });
  await expect(page.getByTestId("first-steps")).toContainText("Start by creating your first issuer");
  await shot(page, "overview-new-install");
  await page.goto("/issuers");
  await expect(page.getByText("No issuers yet.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Create your first issuer" })).toBeVisible();
  await shot(page, "issuers-empty-new-install");
  await page.goto("/certificates");
  await expect(page.getByText("No certificates yet.")).toBeVisible();
  await expect(page.getByText("No certificates match")).toHaveCount(0);
  await shot(page, "certificates-empty-new-install");
  await page.getByRole("link", { name: "create your first issuer" }).click();
  await expect(page.getByRole("heading", { name: "New issuer" })).toBeVisible();

  // On from there, by clicks only (no typed URL): a root, an intermediate under it, and the
  // intermediate's first certificate — every page offers the next step.
  await page.getByLabel("Name", { exact: true }).fill("first-root");
  await page.getByLabel("Common name (CN)").fill("First Root CA");
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page.getByRole("heading", { name: "first-root" })).toBeVisible();
  await page.getByRole("link", { name: "New intermediate CA" }).click();
  await expect(page.getByRole("heading", { name: "New issuer" })).toBeVisible();
  await expect(page.getByLabel("Signed by")).toHaveValue("first-root");
  await page.getByLabel("Name", { exact: true }).fill("first-devices");
  await page.getByLabel("CA validity (days)").fill("3650");
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page.getByRole("heading", { name: "first-devices" })).toBeVisible();
  await expect(page.getByTestId("issuer-parent")).toHaveText("first-root");
  await shot(page, "first-walk-intermediate");
  await page.getByRole("link", { name: "Issue a certificate" }).click();
  await expect(page.getByLabel("Issuer")).toHaveValue("first-devices");
  await page.getByRole("tab", { name: "Generate key on server" }).click();
  await page.getByLabel("Common name (CN)").fill("gateway-1.example");
  await page.getByLabel("Subject alternative names").fill("DNS:gateway-1.example");
  await page.getByRole("button", { name: "Issue certificate" }).click();
  await expect(page.getByText("Certificate issued")).toBeVisible();
  await expect(page.getByTestId("certificate-details")).toContainText("gateway-1.example");
  await shot(page, "first-walk-certificate");
  // The overview's first-steps guidance has done its job.
  await page.getByRole("link", { name: "Overview" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("first-steps")).toHaveCount(0);
  fs.mkdirSync("e2e/.data", { recursive: true });
  await page.context().storageState({ path: "e2e/.data/admin.json" });
});
