import { expect, test, type Page } from "@playwright/test";
import { shot } from "./helpers";

// The rough edges a first-time operator hit (issue 12), each as that operator sees it.
test.describe.configure({ mode: "serial" });
test.use({ viewport: { width: 1440, height: 900 } });

const fileName = (page: Page, label: string) => page.getByLabel(label).evaluate((el) => (el as HTMLInputElement).files?.[0]?.name ?? null);

test("a new issuer form keeps every value after an error, marks every field at once, and refuses Country DEU", async ({ page }) => {
  await page.goto("/issuers/new");
  await page.getByLabel("Name", { exact: true }).fill("re-root-a");
  await page.getByLabel("Key type").selectOption("ec-p384");
  await page.getByLabel("Country (C)").fill("DEU");
  await page.getByLabel("First serial").fill("one");
  await page.getByRole("button", { name: "Create issuer" }).click();

  // Both problems at once, each beside its field; nothing is cut short or reset.
  await expect(page.locator('[data-field-error="c"]')).toContainText("C is 3 characters long; at most 2");
  await expect(page.locator('[data-field-error="firstSerial"]')).toContainText("whole number");
  await expect(page.getByLabel("Country (C)")).toHaveValue("DEU");
  await expect(page.getByLabel("Key type")).toHaveValue("ec-p384");
  await shot(page, "rough-issuer-new-errors");

  // Only Country given: the CN still defaults to the issuer name.
  await page.getByLabel("Country (C)").fill("GE");
  await page.getByLabel("First serial").fill("1");
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page.getByRole("heading", { name: "re-root-a" })).toBeVisible();
  await expect(page.getByTestId("certificate-details")).toContainText("CN=re-root-a, C=GE");
  await expect(page.getByTestId("certificate-details")).toContainText("ECDSA P-384");

  await page.goto("/issuers/new");
  await page.getByLabel("Name", { exact: true }).fill("re-root-b");
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page.getByRole("heading", { name: "re-root-b" })).toBeVisible();
});

test("the issue form keeps issuer, profile and key type after an error", async ({ page }) => {
  await page.goto("/certificates/issue");
  await page.getByRole("tab", { name: "Generate key on server" }).click();
  await page.getByLabel("Issuer").selectOption("re-root-b");
  await page.getByLabel("Profile").selectOption("client");
  await page.getByLabel("Key type").selectOption("rsa-2048");
  await page.getByLabel("Common name (CN)").fill("re-client");
  await page.getByLabel("Country (C)").fill("DEU");
  await page.getByLabel("Subject alternative names").fill("FTP:nowhere");
  await page.getByRole("button", { name: "Issue certificate" }).click();
  await expect(page.locator('[data-field-error="c"]')).toContainText("at most 2");
  await expect(page.locator('[data-field-error="sans"]')).toBeVisible();
  await expect(page.getByLabel("Issuer")).toHaveValue("re-root-b");
  await expect(page.getByLabel("Profile")).toHaveValue("client");
  await expect(page.getByLabel("Key type")).toHaveValue("rsa-2048");
  await expect(page.getByLabel("Country (C)")).toHaveValue("DEU");
  await shot(page, "rough-issue-errors");
});

test("the new-user form keeps the chosen role after an error", async ({ page }) => {
  await page.goto("/users");
  await page.getByLabel("Email").fill("re-auditor@rootline.test");
  await page.getByLabel("Name", { exact: true }).fill("x".repeat(101));
  await page.getByLabel("Role", { exact: true }).selectOption("auditor");
  await page.getByLabel("Initial password").fill("short");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.locator('[data-field-error="password"]')).toBeVisible();
  await expect(page.locator('[data-field-error="name"]')).toBeVisible();
  await expect(page.getByLabel("Role", { exact: true })).toHaveValue("auditor");
  await shot(page, "rough-user-errors");
});

test("the import form keeps the chosen files after an error", async ({ page }) => {
  await page.goto("/issuers/import");
  await page.getByLabel("Name", { exact: true }).fill("re-imported");
  await page.getByLabel("CA certificate file").setInputFiles({ name: "ca.pem", mimeType: "application/x-pem-file", buffer: Buffer.from("not a certificate") });
  await page.getByLabel("Private key file").setInputFiles({ name: "ca.key", mimeType: "application/x-pem-file", buffer: Buffer.from("not a key") });
  await page.getByLabel("First serial").fill("100");
  await page.getByRole("button", { name: "Import issuer" }).click();
  await expect(page.getByRole("alert").first()).toBeVisible();
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("re-imported");
  await expect.poll(() => fileName(page, "CA certificate file")).toBe("ca.pem");
  await expect.poll(() => fileName(page, "Private key file")).toBe("ca.key");
  await shot(page, "rough-import-error");
});

async function issue(page: Page, cn: string): Promise<string> {
  await page.goto("/certificates/issue");
  await page.getByRole("tab", { name: "Generate key on server" }).click();
  await page.getByLabel("Issuer").selectOption("re-root-b");
  await page.getByLabel("Common name (CN)").fill(cn);
  await page.getByLabel("Organization (O)").fill("Rough Edges Ltd");
  await page.getByRole("button", { name: "Issue certificate" }).click();
  await expect(page.getByText("Certificate issued")).toBeVisible();
  return new URL(page.url()).pathname;
}

test("revoking asks for confirmation, says it is done, and shows benefits in green", async ({ page }) => {
  await issue(page, "re-a.example");
  const b = await issue(page, "re-b.example");
  // The profile in words, not "server profile".
  await expect(page.getByText("TLS server", { exact: true })).toBeVisible();
  await page.goto(`${b}/revoke`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Revoke serial 2");
  await page.getByLabel("Reason (RFC 5280)").selectOption("keyCompromise");
  for (const benefit of await page.getByTestId("order-benefit").all()) await expect(benefit).toHaveClass(/text-emerald-700/);
  await page.getByRole("radio", { name: /Renew first/ }).check();

  await page.getByRole("button", { name: "Revoke serial 2" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText("Revoke serial 2 of re-root-b? This cannot be undone.");
  await shot(page, "rough-revoke-confirm");
  // Going back revokes nothing.
  await page.getByRole("button", { name: "Go back" }).click();
  await expect(confirm).toHaveCount(0);
  await page.goto(b);
  await expect(page.getByRole("link", { name: "Revoke…" })).toBeVisible();

  await page.goto(`${b}/revoke`);
  await page.getByLabel("Reason (RFC 5280)").selectOption("keyCompromise");
  await page.getByRole("radio", { name: /Renew first/ }).check();
  await page.getByRole("button", { name: "Revoke serial 2" }).click();
  await page.getByRole("button", { name: "Yes, revoke serial 2" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Serial 2 revoked");
  await expect(page).toHaveTitle(/^Serial 2 revoked/);
  await shot(page, "rough-revoke-done");

  // The banner speaks the operator's words.
  await page.goto(b);
  const banner = page.getByRole("alert").filter({ hasText: "Revoked" });
  await expect(banner).toContainText("reason: Key compromise");
  await expect(banner).not.toContainText("keyCompromise");
  await shot(page, "rough-certificate-revoked");
});

test("the certificates list shows the CN, flags certificates awaiting renewal, and tells an empty filter from no certificates", async ({ page }) => {
  await page.goto("/certificates?issuer=re-root-b&sort=serial&dir=asc");
  await expect(page.getByRole("columnheader", { name: /Common name/ })).toBeVisible();
  const rows = page.locator("tbody tr");
  await expect(rows.nth(0)).toContainText("re-a.example");
  await expect(rows.nth(0)).toContainText("awaiting renewal");
  await expect(rows.nth(1)).toContainText("revoked");
  await shot(page, "rough-certificates");

  await page.goto("/certificates?q=no-such-certificate-anywhere");
  await expect(page.getByText("No certificates match these filters.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Show all certificates" })).toBeVisible();
});

test("small things: favicon, a not-found page with a way back, the CRL's file name, a Copy button for a new token", async ({ page, context }) => {
  await page.goto("/");
  const icon = await page.locator('link[rel="icon"]').first().getAttribute("href");
  expect(icon).toMatch(/icon/);
  const r = await page.request.get(icon!);
  expect(r.status()).toBe(200);
  expect(r.headers()["content-type"]).toContain("image/svg+xml");

  const missing = await page.goto("/no-such-page");
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await shot(page, "rough-not-found");
  await page.getByRole("link", { name: "Back to the overview" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();

  await page.goto("/issuers/re-root-b");
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: /\/crl$/ }).click();
  expect((await download).suggestedFilename()).toBe("re-root-b.crl");

  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto("/tokens");
  await page.getByLabel("Token name").fill("re-token");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();
  expect(token.length).toBeGreaterThan(20);
  await page.getByRole("button", { name: "Copy" }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  await shot(page, "rough-token-copy");
});
