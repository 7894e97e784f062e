import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { ADMIN } from "./helpers";

/** A fresh P-256 key pair and CSR: a renewal must bring a new key, so every call makes one. */
function csr(cn: string): string {
  return execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj", `/CN=${cn}`], { encoding: "utf8" });
}

const CA = "hist-ca";
const host = (x: string) => `srv-${x}.hist.example`;
const ids: Record<string, string> = {};

test.describe.configure({ mode: "serial" });
test.use({ viewport: { width: 1440, height: 900 } });

/** A 1440×900 screenshot of what is in view (not the full page), for people to look at. */
async function view(page: Page, name: string) {
  fs.mkdirSync("e2e/screenshots", { recursive: true });
  await page.screenshot({ path: `e2e/screenshots/${name}.png` });
}

/** Revokes a certificate through the form (renew-first), confirming; returns the page on the result. */
async function revoke(page: Page, serial: string, reason: string) {
  await page.goto(`/certificates/${ids[serial]}/revoke`);
  await page.getByLabel("Reason (RFC 5280)").selectOption(reason);
  await page.getByRole("radio", { name: /Renew first/ }).check();
  await page.getByRole("button", { name: `Revoke serial ${serial}` }).click();
  await expect(page.getByRole("alertdialog")).toBeVisible();
}

test("set-up: an issuer and four servers a–d with serials 1–4", async ({ page }) => {
  await page.goto("/issuers/new");
  await page.getByLabel("Name", { exact: true }).fill(CA);
  await page.getByLabel("Common name (CN)").fill("History CA");
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page.getByRole("heading", { name: CA })).toBeVisible();
  await page.goto("/tokens");
  await page.getByLabel("Token name").fill("hist-provisioning");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();
  for (const x of ["a", "b", "c", "d"]) {
    const r = await page.request.post("/api/v1/certificates", { headers: { Authorization: `Bearer ${token}` }, data: { issuer: CA, csr: csr(host(x)), profile: "server" } });
    expect(r.status()).toBe(201);
    const body = await r.json();
    ids[body.serial] = body.id;
  }
  expect(Object.keys(ids)).toEqual(["1", "2", "3", "4"]);
});

test("renew-first: one holder renews by token, another is excluded, the last is cut off; the history says who, how and when", async ({ page }) => {
  await revoke(page, "3", "superseded");
  await page.getByRole("button", { name: "Yes, revoke serial 3" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Serial 3 revoked");
  await expect(page.getByTestId("pending-mention")).toHaveCount(0); // nothing else pending
  const token1 = (await page.getByTestId("renewal-tokens").getByTestId("token-1").textContent())!.trim();

  // The holder of a renews itself through the public renewal API with its one-time token.
  const r = await page.request.post(`/api/renewal/${CA}/1`, { data: { csr: csr(host("a")), token: token1 } });
  expect(r.status()).toBe(201);
  expect((await r.json()).serial).toBe("5");

  // b has stopped: the operator excludes it on the dashboard.
  await page.goto(`/revocation?issuer=${CA}`);
  const card = page.getByTestId("pending-3");
  await card.getByTestId("renewal-row-2").getByRole("button", { name: "Exclude (server stopped)…" }).click();
  await page.getByRole("button", { name: "Exclude serial 2" }).click();
  await expect(page.getByText("Serial 2 excluded")).toBeVisible();
  await expect(page.getByTestId("revocation-history")).toContainText("No revocation of hist-ca has completed yet");

  // c never renews: the operator forces completion, cutting it off.
  await card.getByRole("button", { name: "Force complete…" }).click();
  await card.getByRole("button", { name: "Force complete and cut off 1" }).click();
  await expect(page.getByText("Revocation of serial 3 completed by force")).toBeVisible();
  await expect(page.getByTestId("pending-3")).toHaveCount(0);

  // Completed, it stays visible: the history lists it with what became of its holders.
  const history = page.getByTestId("revocation-history");
  const row = history.getByRole("row").first();
  await expect(row).toContainText("Serial 3");
  await expect(row).toContainText("renew first");
  await expect(row).toContainText("1 renewed · 1 excluded · 1 cut off");
  await expect(row).toContainText("forced");
  await expect(row).toContainText(`by ${ADMIN.email}`);
  await page.locator("#history").scrollIntoViewIfNeeded();
  await view(page, "revocation-history-list");

  await row.getByRole("link", { name: "Serial 3" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Revocation of serial 3");
  const summary = page.getByTestId("revocation-summary");
  await expect(summary).toContainText("Superseded");
  await expect(summary).toContainText("renew first");
  await expect(summary).toContainText(`by ${ADMIN.email}`);
  await expect(summary).toContainText("revocation number → 4");
  const today = new Date().toISOString().slice(0, 10);
  const h1 = page.getByTestId("holder-1");
  await expect(h1).toContainText("renewed");
  await expect(h1.getByTestId("how")).toHaveText("one-time token");
  await expect(h1).toContainText(`the holder (${CA}#1)`);
  await expect(h1).toContainText(today);
  ids["5"] = (await h1.getByRole("link", { name: "5" }).getAttribute("href"))!.split("/").pop()!;
  const h2 = page.getByTestId("holder-2");
  await expect(h2).toContainText("excluded · stopped");
  await expect(h2.getByTestId("how")).toHaveText("excluded later");
  await expect(h2).toContainText(ADMIN.email);
  const h3 = page.getByTestId("holder-3");
  await expect(h3).toContainText("cut off");
  await expect(h3.getByTestId("how")).toHaveText("not renewed when it completed");
  await expect(h3).toContainText(ADMIN.email);
  await view(page, "revocation-history-detail");

  // The renewed collateral certificate reads "superseded", as after raise-first.
  await page.goto(`/certificates?issuer=${CA}`);
  await expect(page.getByRole("row").filter({ hasText: new RegExp(`^1${host("a")}`) })).toContainText("superseded");
});

test("a second revocation on the issuer mentions the one already pending, before, at and after confirming", async ({ page }) => {
  // Serial 4 (d) first: pending, it awaits d's renewal.
  await revoke(page, "4", "affiliationChanged");
  await page.getByRole("button", { name: "Yes, revoke serial 4" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Serial 4 revoked");

  // Then serial 5 (a's replacement): the form says serial 4 is already pending.
  await page.goto(`/certificates/${ids["5"]}/revoke`);
  const mention = page.getByTestId("pending-mention");
  await expect(mention).toContainText(`Another revocation of ${CA} is already pending`);
  await expect(mention).toContainText("serial 4 (renew first)");
  await expect(mention).toContainText(`by ${ADMIN.email}, 1 holder awaited — completing serial 5 completes it too`);
  await view(page, "revocation-second-form");

  await page.getByLabel("Reason (RFC 5280)").selectOption("superseded");
  await page.getByRole("radio", { name: /Renew first/ }).check();
  await page.getByRole("button", { name: "Revoke serial 5" }).click();
  await expect(page.getByTestId("confirm-pending")).toHaveText("4");
  await expect(page.getByRole("alertdialog")).toContainText("It joins the revocation of serial 4 already pending.");
  await page.getByRole("alertdialog").scrollIntoViewIfNeeded();
  await view(page, "revocation-second-confirm");

  await page.getByRole("button", { name: "Yes, revoke serial 5" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Serial 5 revoked");
  const after = page.getByTestId("pending-mention");
  await expect(after).toContainText(`Another revocation of ${CA} is still pending`);
  await expect(after).toContainText("serial 4");
  await after.scrollIntoViewIfNeeded();
  await view(page, "revocation-second-result");
  await page.getByRole("link", { name: /I have saved the tokens/ }).click();
  await expect(page.getByText("Another revocation of this issuer is still pending (below).")).toBeVisible();
});
