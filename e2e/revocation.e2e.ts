import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { shot } from "./helpers";

/** A fresh P-256 key pair and CSR: a renewal must bring a new key, so every call makes one. */
function csr(cn: string): string {
  return execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj", `/CN=${cn}`], { encoding: "utf8" });
}

const CA = "revo-ca";
const host = (x: string) => `srv-${x}.revo.example`;
/** Certificate ids by serial, filled by the first test. */
const ids: Record<string, string> = {};
/** The API token of the first test, and the renewal token of serial 4 (the compromised one). */
let apiToken = "";
let token4 = "";

test.describe.configure({ mode: "serial" });

async function openDashboard(page: Page) {
  await page.goto(`/revocation?issuer=${CA}`);
  await expect(page.getByRole("heading", { name: "Revocation", exact: true })).toBeVisible();
}

test("set-up: an issuer and five servers a–e with serials 1–5", async ({ page }) => {
  await page.goto("/issuers/new");
  await page.getByLabel("Name", { exact: true }).fill(CA);
  await page.getByLabel("Common name (CN)").fill("Revo Fleet CA");
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page.getByRole("heading", { name: CA })).toBeVisible();

  await page.goto("/tokens");
  await page.getByLabel("Token name").fill("revo-provisioning");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();
  apiToken = token;
  for (const x of ["a", "b", "c", "d", "e"]) {
    const r = await page.request.post("/api/v1/certificates", { headers: { Authorization: `Bearer ${token}` }, data: { issuer: CA, csr: csr(host(x)), profile: "server" } });
    expect(r.status()).toBe(201);
    const body = await r.json();
    ids[body.serial] = body.id;
  }
  expect(Object.keys(ids)).toEqual(["1", "2", "3", "4", "5"]);

  await openDashboard(page);
  await expect(page.getByTestId("current-rn")).toHaveText("0");
  await expect(page.getByTestId("next-serial")).toHaveText("6");
  await expect(page.getByText(`Nothing pending for ${CA}`)).toBeVisible();
});

test("an operator revokes serial 4: sees the collateral, excludes a stopped server, gets the tokens once", async ({ page }) => {
  await page.goto(`/certificates/${ids["4"]}`);
  await shot(page, "revocation-certificate-detail");
  await page.getByRole("link", { name: "Revoke…" }).click();
  await expect(page.getByRole("heading", { name: "Revoke serial 4" })).toBeVisible();

  // The preview: 1–4 are affected (prefix), 5 is not; RN 0 → 5.
  const affected = page.getByTestId("affected");
  for (const s of ["1", "2", "3", "4"]) await expect(affected.getByTestId(`affected-${s}`)).toBeVisible();
  await expect(affected.getByTestId("affected-5")).toHaveCount(0);
  await expect(affected.getByTestId("affected-1")).toContainText(`CN=${host("a")}`);
  await expect(affected.getByTestId("affected-1")).toContainText(`DNS:${host("a")}`);
  await expect(affected.getByTestId("affected-4")).toContainText("revoked now");
  await expect(page.getByTestId("rn-change")).toHaveText("0 → 5");

  // b has stopped. Without a reason the form refuses, and keeps every other choice.
  await page.getByLabel("Exclude serial 2 (server stopped)").check();
  await page.getByLabel("Deadline (days, optional)").fill("14");
  await page.getByRole("button", { name: "Revoke serial 4" }).click();
  await expect(page.locator('[data-field-error="reason"]')).toContainText("choose the reason");
  await expect(page.getByLabel("Exclude serial 2 (server stopped)")).toBeChecked();
  await expect(page.getByLabel("Deadline (days, optional)")).toHaveValue("14");

  await page.getByLabel("Reason (RFC 5280)").selectOption("keyCompromise");
  // A compromised key proposes raise-first, and says its own key cannot renew it.
  await expect(page.getByRole("radio", { name: /Raise the RN first/ })).toBeChecked();
  await expect(page.getByTestId("proof-refused")).toContainText("only its one-time token or an operator can renew serial 4");
  await expect(page.getByTestId("renew-first-warning")).toHaveCount(0);
  // removeFromCRL (delta CRLs only) is not offered.
  await expect(page.getByLabel("Reason (RFC 5280)").locator('option[value="removeFromCRL"]')).toHaveCount(0);
  // Raise-first names the servers it would cut off: a and c, not the stopped b.
  await page.getByRole("radio", { name: /Raise the RN first/ }).check();
  await expect(page.getByTestId("raise-first-collateral")).toHaveText(`CN=${host("a")} (1), CN=${host("c")} (3)`);
  await page.getByRole("radio", { name: /Renew first/ }).check();
  await expect(page.getByTestId("renew-first-warning")).toContainText("Key compromise with renew-first");
  await expect(page.getByText("after 3 renewals, the deadline, or a forced completion")).toBeVisible();
  await shot(page, "revocation-preview");

  // Irreversible: the first click asks once more; only the second revokes.
  await page.getByRole("button", { name: "Revoke serial 4" }).click();
  await expect(page.getByRole("alertdialog")).toContainText("Revoke serial 4 of");
  await expect(page.getByRole("alertdialog")).toContainText("This cannot be undone.");
  await page.getByRole("button", { name: "Yes, revoke serial 4" }).click();
  await expect(page.getByText("Shown once. Copy them now.")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Serial 4 revoked");
  const tokens = page.getByTestId("renewal-tokens");
  for (const s of ["1", "3", "4"]) await expect(tokens.getByTestId(`token-${s}`)).toHaveText(/^rr_\S{20,}$/);
  token4 = (await tokens.getByTestId("token-4").textContent())!.trim();
  await expect(tokens.getByTestId("token-2")).toHaveCount(0);
  await shot(page, "revocation-tokens");

  await page.getByRole("link", { name: /I have saved the tokens/ }).click();
  await expect(page.getByText("Serial 4 is revoked and on the CRL")).toBeVisible();
  await expect(page.getByTestId("current-rn")).toHaveText("0");
  const card = page.getByTestId("pending-4");
  await expect(card.getByTestId("renewal-progress")).toContainText("1 of 4 settled");
  await expect(card.getByTestId("renewal-progress")).toContainText("3 awaiting");
  await expect(card.getByTestId("renewal-row-2")).toContainText("excluded");
  await expect(card.getByTestId("renewal-row-1")).toContainText("awaiting renewal");
  await expect(card.getByTestId("renewal-row-4").getByTestId("token-or-operator")).toBeVisible();
  await expect(card.getByTestId("renewal-row-1").getByTestId("token-or-operator")).toHaveCount(0);
  await expect(card.getByText(/^Deadline \d{4}-\d{2}-\d{2}/)).toBeVisible();
  await expect(card.getByRole("button", { name: "Complete — RN → 5" })).toBeDisabled();
  // The tokens are gone for good: a reload of the dashboard cannot show them.
  await expect(page.getByText(/rr_/)).toHaveCount(0);
  await shot(page, "revocation-dashboard-pending");
});

/** Marks the window so a later check can tell an in-place update from a reload. */
async function markWindow(page: Page) {
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
}
const notReloaded = (page: Page) => page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload === true);

test("the operator renews a collateral server by hand and excludes another; progress follows", async ({ page }) => {
  // A second operator watches the same dashboard: it follows without a reload.
  const watcher = await page.context().newPage();
  await openDashboard(watcher);
  await expect(watcher.getByTestId("pending-4").getByTestId("renewal-progress")).toContainText("1 of 4 settled");
  await expect(watcher.getByTestId("live-status")).toContainText("updates by itself");
  await markWindow(watcher);

  await openDashboard(page);
  const card = page.getByTestId("pending-4");
  await card.getByTestId("renewal-row-1").getByRole("button", { name: "Renew by hand…" }).click();
  const field = page.getByLabel("Holder's CSR for serial 1 (PEM)");
  // Another subject is refused on the CSR field.
  await field.fill(csr("intruder.revo.example"));
  await page.getByRole("button", { name: "Issue replacement" }).click();
  await expect(page.locator('[data-field-error="csr"]')).toContainText(`but the certificate being renewed is for "CN=${host("a")}"`);
  await shot(page, "revocation-renew-error");

  await page.getByLabel("Holder's CSR for serial 1 (PEM)").fill(csr(host("a")));
  await page.getByRole("button", { name: "Issue replacement" }).click();
  await expect(page.getByText("Serial 1 renewed by hand: the replacement is serial 6.")).toBeVisible();
  await expect(card.getByTestId("renewal-row-1")).toContainText("renewed");
  await expect(card.getByTestId("renewal-row-1").getByRole("link", { name: "6" })).toBeVisible();
  await expect(card.getByTestId("renewal-row-1").getByTestId("renewed-via")).toHaveText("by an operator");
  await expect(card.getByTestId("renewal-progress")).toContainText("2 of 4 settled");
  const watched = watcher.getByTestId("pending-4");
  await expect(watched.getByTestId("renewal-progress")).toContainText("2 of 4 settled");
  await expect(watched.getByTestId("renewal-progress")).toContainText("2 awaiting");
  await expect(watched.getByTestId("renewal-row-1")).toContainText("renewed");
  expect(await notReloaded(watcher)).toBe(true);
  await shot(watcher, "revocation-dashboard-live-update");
  await watcher.close();

  await card.getByTestId("renewal-row-3").getByRole("button", { name: "Exclude (server stopped)…" }).click();
  await page.getByRole("button", { name: "Exclude serial 3" }).click();
  await expect(page.getByText("Serial 3 excluded: no replacement is awaited for it any more.")).toBeVisible();
  await expect(card.getByTestId("renewal-progress")).toContainText("3 of 4 settled");
  await expect(card.getByTestId("renewal-row-3")).toContainText("excluded");
});

test("forcing completion names who is cut off, moves the RN, and the repository serves it", async ({ page }) => {
  await openDashboard(page);
  const card = page.getByTestId("pending-4");
  await expect(card.getByRole("button", { name: "Complete — RN → 5" })).toBeDisabled();
  await card.getByRole("button", { name: "Force complete…" }).click();
  const cutOff = card.getByTestId("force-cut-off");
  await expect(cutOff.getByRole("listitem")).toHaveCount(1);
  await expect(cutOff).toContainText(`serial 4 — CN=${host("d")}`);
  await shot(page, "revocation-force-confirm");

  await card.getByRole("button", { name: "Force complete and cut off 1" }).click();
  await expect(page.getByText("Revocation of serial 4 completed by force: the revocation number is now 5.")).toBeVisible();
  await expect(page.getByTestId("current-rn")).toHaveText("5");
  await expect(page.getByTestId("pending-4")).toHaveCount(0);
  // Forcing closed serial 4's renewal request: its token no longer works.
  const late = await page.request.post(`/api/renewal/${CA}/4`, { data: { csr: csr(host("d")), token: token4 } });
  expect(late.status()).toBe(401);
  const latest = page.getByTestId("rn-history").getByRole("row").first();
  await expect(latest).toContainText("0 → 5");
  await expect(latest).toContainText("forced completion of the revocation of serial 4");
  await shot(page, "revocation-completed");

  // Devices fetch the new RN from the repository, signed.
  const info = await page.request.get(`/api/repository/${CA}/revocation-info`);
  expect(info.status()).toBe(200);
  const body = await info.json();
  expect(body.issuer).toBeTruthy();
  expect(BigInt(body.revocationNumber)).toBe(5n);

  // Ordinary TLS clients see serial 4 on the CRL with its reason (read by OpenSSL, not by us).
  const crl = await page.request.get(`/api/repository/${CA}/crl`);
  const file = path.join(os.tmpdir(), `revo-ca-${process.pid}.crl`);
  fs.writeFileSync(file, await crl.body());
  const text = execFileSync("openssl", ["crl", "-inform", "DER", "-in", file, "-noout", "-text"], { encoding: "utf8" });
  fs.rmSync(file);
  expect(text).toMatch(/Serial Number: 04\s+Revocation Date:[^\n]+\n\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Key Compromise/);
});

test("what cannot be revoked says why: an already revoked serial, a serial below the RN", async ({ page }) => {
  await page.goto(`/certificates/${ids["4"]}`);
  await expect(page.getByRole("heading", { name: host("d") })).toBeVisible();
  await expect(page.getByRole("link", { name: "Revoke…" })).toHaveCount(0);
  await page.goto(`/certificates/${ids["4"]}/revoke`);
  await expect(page.getByText("serial 4 is already revoked")).toBeVisible();
  await expect(page.getByRole("button", { name: /Revoke serial/ })).toHaveCount(0);
  await shot(page, "revocation-already-revoked");

  // a was renewed (superseded, not revoked) but is below RN 5 now.
  await page.goto(`/certificates/${ids["1"]}/revoke`);
  await expect(page.getByText("serial 1 is already below the revocation number 5: devices reject it")).toBeVisible();
});

test("raise-first moves the RN at once; the holder renews with its token and the revocation completes", async ({ page }) => {
  await page.goto(`/certificates/${ids["5"]}/revoke`);
  await expect(page.getByTestId("rn-change")).toHaveText("5 → 6");
  await page.getByLabel("Reason (RFC 5280)").selectOption("affiliationChanged");
  await page.getByRole("radio", { name: /Raise the RN first/ }).check();
  await expect(page.getByText("No other server is affected, so raising first costs nothing here.")).toBeVisible();
  await page.getByRole("button", { name: "Revoke serial 5" }).click();
  await page.getByRole("button", { name: "Yes, revoke serial 5" }).click();
  const token = (await page.getByTestId("token-5").textContent())!.trim();
  await page.getByRole("link", { name: /I have saved the tokens/ }).click();
  await expect(page.getByText("the revocation number moved to 6 at once")).toBeVisible();
  await expect(page.getByTestId("current-rn")).toHaveText("6");
  const card = page.getByTestId("pending-5");
  await expect(card).toContainText("The revocation number is already 6");
  await expect(card.getByRole("button", { name: "Complete", exact: true })).toBeDisabled();
  await shot(page, "revocation-raise-first-pending");
  await markWindow(page);

  // The holder of e renews through the public renewal API with its one-time token.
  const r = await page.request.post(`/api/renewal/${CA}/5`, { data: { csr: csr(host("e")), token } });
  expect(r.status()).toBe(201);
  expect((await r.json()).revocationCompleted).toBe(true);
  // The open dashboard notices by itself: the card goes, nothing is pending, no reload.
  await expect(page.getByTestId("pending-5")).toHaveCount(0);
  await expect(page.getByText(`Nothing pending for ${CA}`)).toBeVisible();
  expect(await notReloaded(page)).toBe(true);
  const again = await page.request.post(`/api/renewal/${CA}/5`, { data: { csr: csr(host("e")), token } });
  expect(again.status()).toBe(401);

  await openDashboard(page);
  await expect(page.getByText(`Nothing pending for ${CA}`)).toBeVisible();
  await expect(page.getByTestId("rn-history").getByRole("row").first()).toContainText("raise-first revocation of serial 5");
  await shot(page, "revocation-history");
});

test("the dashboard's progress route: JSON for staff, 401 without a session", async ({ page, playwright }) => {
  const r = await page.request.get(`/revocation/progress?issuer=${CA}`);
  expect(r.status()).toBe(200);
  expect(await r.json()).toMatchObject({ issuer: CA, revocationNumber: "6", pending: [] });
  expect((await page.request.get("/revocation/progress?issuer=no-such-ca")).status()).toBe(404);
  expect((await page.request.get("/revocation/progress")).status()).toBe(400);
  // The test runner hands its storage state (the admin's session) to new contexts unless told otherwise.
  const anon = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL, storageState: { cookies: [], origins: [] } });
  const signedOut = await anon.get(`/revocation/progress?issuer=${CA}`);
  expect(signedOut.status()).toBe(401);
  expect(await signedOut.json()).toEqual({ error: "sign in first" });
  await anon.dispose();
});

test("hostile route parameters get 400/404 from the real server, never 500", async ({ page }) => {
  const auth = { Authorization: `Bearer ${apiToken}` };
  const long = "a".repeat(4000);
  const cases: [string, string, number[]][] = [
    ["GET", `/api/renewal/${CA}/%25`, [400]],
    ["GET", "/api/renewal/%25/1", [404]],
    ["GET", "/api/renewal/%00/1", [400, 404]],
    ["GET", `/api/renewal/${CA}/%00`, [400]],
    ["GET", `/api/renewal/%E2%9C%93/${long}`, [400, 404]],
    ["GET", `/api/renewal/${long}/1`, [400, 404]],
    ["POST", "/api/v1/issuers/%25/revocations", [404]],
    ["POST", `/api/v1/issuers/${CA}/revocations/%25/complete`, [400]],
    ["POST", `/api/v1/issuers/%25/renewals/%25`, [400, 404]],
    ["GET", "/issuers/%25", [404]],
  ];
  for (const [method, url, expected] of cases) {
    const r = method === "GET" ? await page.request.get(url, { headers: auth }) : await page.request.post(url, { headers: auth, data: { serial: "1", reason: "keyCompromise", order: "raise-first", csr: csr(host("z")), force: false } });
    expect(expected, `${method} ${url.slice(0, 80)} → ${r.status()}`).toContain(r.status());
  }
});
