import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { shot } from "./helpers";

test.describe.configure({ mode: "serial" });
test.use({ viewport: { width: 1440, height: 900 } });

const ISSUER = "audit-ca";
const today = new Date().toISOString().slice(0, 10);
const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

/** Nothing on the page is wider than the 1440 px window, the log's table included. */
async function expectNoOverflow(page: Page) {
  const widths = await page.evaluate(() => {
    const table = document.querySelector("table")!;
    return { doc: document.documentElement.scrollWidth, wrapper: table.parentElement!.clientWidth, table: table.scrollWidth };
  });
  expect(widths.doc).toBeLessThanOrEqual(1440);
  expect(widths.table).toBeLessThanOrEqual(widths.wrapper);
}

test("the audit log: readable names, compact changes, links, filters in the URL", async ({ page }) => {
  // An issuer whose creation carries a long change (subject, key type, validity…).
  await page.goto("/issuers/new");
  await page.getByLabel("Name", { exact: true }).fill(ISSUER);
  await page.getByLabel("Common name (CN)").fill("Audit Root CA with a long name to stretch the change column");
  // Quotes for the CSV, and a long unbroken word the expanded change must wrap.
  await page.getByLabel("Organization (O)").fill(`Acme"Quoted"Devices-${"x".repeat(40)}`);
  await page.getByRole("button", { name: "Create issuer" }).click();
  await expect(page.getByRole("heading", { name: ISSUER })).toBeVisible();

  await page.goto("/audit");
  await expect(page.getByTestId("audit-row").first()).toBeVisible();
  // Names as words; the inventory's name stays beside it, small.
  await expect(page.getByRole("cell", { name: /signed in/ }).first()).toBeVisible();
  await expectNoOverflow(page);
  await shot(page, "audit-log");

  // Filter by action (labels in the list, the action in the URL).
  await page.getByLabel("Action").selectOption({ label: "created issuer" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=issuer\.create/);
  // Set-up's walk created issuers too: every row is a creation, the newest is this one.
  const rows = page.getByTestId("audit-row");
  await expect(rows.filter({ hasText: ISSUER })).toHaveCount(1);
  await expect(rows.first()).toContainText(ISSUER);
  expect(await rows.count()).toBe(await rows.filter({ hasText: "created issuer" }).count());

  // Expand the change: one line first, field by field on demand.
  const change = page.getByTestId("audit-change").first();
  await expect(change.locator("dl")).toBeHidden();
  await change.locator("summary").click();
  await expect(change.locator("dl")).toBeVisible();
  await expect(change.locator("dl")).toContainText("Audit Root CA with a long name to stretch");
  await expectNoOverflow(page);
  await shot(page, "audit-change-expanded");

  // By date: today keeps it, a range starting tomorrow finds nothing; the URL is shareable.
  await page.getByLabel("From (UTC)").fill(today);
  await page.getByLabel("To (UTC, inclusive)").fill(today);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(new RegExp(`from=${today}&to=${today}`));
  await expect(rows.filter({ hasText: ISSUER })).toHaveCount(1);
  await page.getByLabel("From (UTC)").fill(tomorrow);
  await page.getByLabel("To (UTC, inclusive)").fill("");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByText("No entries match this filter.")).toBeVisible();
  await page.goto(`/audit?from=${tomorrow}&to=${today}`);
  await expect(page.getByText("the end of the range is before its start")).toBeVisible();

  // By actor and target name (the issuer's name finds entries about its id).
  await page.goto(`/audit?actor=admin%40rootline&target=${ISSUER}`);
  await expect(page.getByLabel("Target", { exact: true })).toHaveValue(ISSUER);
  await expect(page.getByTestId("audit-row")).toHaveCount(1);

  // The target links to the issuer's page.
  await page.getByTestId("audit-target-link").first().click();
  await expect(page).toHaveURL(new RegExp(`/issuers/${ISSUER}$`));
  await expect(page.getByRole("heading", { name: ISSUER })).toBeVisible();

  // A user target opens the user's page.
  await page.goto("/audit?action=user.create");
  await page.getByTestId("audit-target-link").first().click();
  await expect(page).toHaveURL(/\/users\/[^/]+$/);
  await expect(page.getByText("admin@rootline.test").first()).toBeVisible();
});

test("exports the filtered view as CSV and JSON lines", async ({ page }) => {
  // This test's issuer only (set-up's walk created issuers too).
  await page.goto(`/audit?action=issuer.create&target=${ISSUER}`);
  await expect(page.getByTestId("audit-row")).toHaveCount(1);

  const csvDownload = page.waitForEvent("download");
  await page.getByTestId("export-csv").click();
  const csv = await csvDownload;
  expect(csv.suggestedFilename()).toMatch(/^rootline-audit-.*\.csv$/);
  const csvText = fs.readFileSync((await csv.path())!, "utf8");
  const lines = csvText.trimEnd().split("\r\n");
  expect(lines[0]).toBe("seq,at,actor,action,label,targetType,targetId,before,after,prevHash,hash");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(",user:admin@rootline.test,issuer.create,created issuer,issuer,");
  // The quotes inside the JSON inside the cell are doubled.
  expect(lines[1]).toContain(`,"{""name"":""${ISSUER}"",""subject"":""CN=Audit Root CA`);

  const jsonlDownload = page.waitForEvent("download");
  await page.getByTestId("export-jsonl").click();
  const jsonl = await jsonlDownload;
  const entries = fs.readFileSync((await jsonl.path())!, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({ action: "issuer.create", label: "created issuer", actor: "user:admin@rootline.test", targetType: "issuer", after: { name: ISSUER } });
  expect(entries[0].after.subject).toMatch(/O=Acme\\?"Quoted\\?"Devices-x{40}/);

  // Unfiltered: every entry, oldest first, the set-up's first.
  const all = await page.request.get("/audit/export?format=jsonl");
  const rows = (await all.text()).trimEnd().split("\n").map((l) => JSON.parse(l));
  expect(rows[0].action).toBe("user.create");
  expect(rows.map((r) => r.seq)).toEqual([...rows.map((r) => r.seq)].sort((a, b) => a - b));
  expect((await page.request.get("/audit/export?format=xml")).status()).toBe(400);
});

test.describe("who may export", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("signed out: 401; an operator: 403 and no audit page", async ({ page }) => {
    expect((await page.request.get("/audit/export?format=csv")).status()).toBe(401);
    const email = `operator-${Date.now()}@rootline.test`;
    const password = "operator-password-123";
    execFileSync(process.execPath, [path.resolve("bin/rootline.mjs"), "user", "create", "--email", email, "--role", "operator"], {
      input: `${password}\n`,
      env: { ...process.env, ROOTLINE_DATA_DIR: path.resolve("e2e/.data/server"), DATABASE_URL: "" },
    });
    await page.goto("/signin");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("signed-in-user")).toHaveText(email);
    expect((await page.request.get("/audit/export?format=csv")).status()).toBe(403);
    await page.goto("/audit");
    await expect(page).toHaveURL(/\/forbidden/);
  });
});
