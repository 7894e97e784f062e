import { expect, test, type Page } from "@playwright/test";
import { ADMIN, shot } from "./helpers";

test.describe.configure({ mode: "serial" });

/** Collects Content-Security-Policy violations Chromium reports on the console. */
function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

async function signIn(page: Page) {
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test.describe("signed out", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("a deep link to a staff page lands there after sign-in", async ({ page }) => {
    const violations = cspViolations(page);
    await page.goto("/certificates?status=valid");
    await expect(page).toHaveURL(/\/signin\?next=%2Fcertificates%3Fstatus%3Dvalid$/);
    await signIn(page);
    await expect(page).toHaveURL(/\/certificates\?status=valid$/);
    await expect(page.getByTestId("signed-in-user")).toHaveText(ADMIN.email);
    expect(violations).toEqual([]);
  });

  test("an off-site ?next= is not followed after sign-in", async ({ page, baseURL }) => {
    await page.goto("/signin?next=/%5Cevil.example");
    await signIn(page);
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
  });
});

test("pages carry the security headers, and Next's scripts run under the nonce-based CSP", async ({ page }) => {
  const violations = cspViolations(page);
  const r = await page.goto("/");
  const h = r!.headers();
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["referrer-policy"]).toBe("same-origin");
  expect(h["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+'/);
  expect(h["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(h["content-security-policy"]).toContain("object-src 'none'");
  const nonce = /'nonce-([^']+)'/.exec(h["content-security-policy"])![1];
  // Every inline script Next wrote carries this response's nonce.
  const inline = await page.locator("script:not([src])").evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).nonce));
  expect(inline.length).toBeGreaterThan(0);
  expect(new Set(inline)).toEqual(new Set([nonce]));
  // Pages Next could prerender (no data) must carry the nonce too, or their scripts are blocked.
  for (const path of ["/forbidden", "/no-such-page"]) {
    const p = await page.goto(path);
    const n = /'nonce-([^']+)'/.exec(p!.headers()["content-security-policy"])![1];
    const nonces = await page.locator("script:not([src])").evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).nonce));
    expect(new Set(nonces), path).toEqual(new Set([n]));
  }
  const health = await page.request.get("/api/health");
  expect(health.headers()["x-content-type-options"]).toBe("nosniff");
  expect(health.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(violations).toEqual([]);
});

test("a new API token is shown once with an expiry and a Copy button that copies it", async ({ page, context, baseURL }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(baseURL!).origin });
  const violations = cspViolations(page);
  await page.goto("/tokens");
  await page.getByLabel("Token name").fill("e2e pipeline");
  await page.getByLabel("Expires after").selectOption("30");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())!;
  expect(token).toMatch(/^rl_/);
  await page.getByRole("button", { name: "Copy" }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  const row = page.getByRole("row", { name: /e2e pipeline/ });
  await expect(row).toContainText(new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10));
  await shot(page, "token-created");
  expect(violations).toEqual([]);
});
