import { expect, test, type Browser, type Page } from "@playwright/test";
import { ADMIN, shot } from "./helpers";

// Feature 4 (issue 12): roles, one-time reset links, own password, sign out everywhere.
const VIEWPORT = { width: 1440, height: 900 };
test.use({ viewport: VIEWPORT });

async function createUser(page: Page, email: string, role: string, password: string) {
  await page.goto("/users");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Role").selectOption(role);
  await page.getByLabel("Initial password").fill(password);
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByText(`created ${email} (${role})`)).toBeVisible();
}

/** A separate browser (its own cookies) signed in as `email`. */
async function signedIn(browser: Browser, email: string, password: string) {
  const ctx = await browser.newContext({ storageState: { cookies: [], origins: [] }, viewport: VIEWPORT });
  const page = await ctx.newPage();
  await page.goto("/signin");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  return { ctx, page };
}

async function openUser(page: Page, email: string) {
  await page.goto("/users");
  // The table's link (the sidebar links the signed-in user's own email too).
  await page.getByRole("main").getByRole("link", { name: email }).click();
  await expect(page.getByRole("heading", { name: email })).toBeVisible();
}

/** A page of a signed-out browser lands on sign-in. */
async function expectSignedOut(page: Page) {
  await page.goto("/certificates");
  await expect(page).toHaveURL(/\/signin\?next=%2Fcertificates$/);
}

test("an administrator changes a role, and cannot demote the last administrator", async ({ page }) => {
  await createUser(page, "role@rootline.test", "operator", "role-password-1");
  await openUser(page, "role@rootline.test");
  await page.getByLabel("Role").selectOption("auditor");
  await page.getByRole("button", { name: "Change role" }).click();
  await expect(page.getByText("role@rootline.test is now an auditor")).toBeVisible();
  await expect(page.getByLabel("Role")).toHaveValue("auditor");
  await shot(page, "user-detail-role-changed");
  await page.goto("/users");
  await expect(page.getByRole("row", { name: /role@rootline\.test/ }).getByText("auditor", { exact: true })).toBeVisible();

  // The only administrator demoting themselves would lock everyone out of user management.
  await openUser(page, ADMIN.email);
  await page.getByLabel("Role").selectOption("operator");
  await page.getByRole("button", { name: "Change role" }).click();
  await expect(page.getByText("cannot demote the last active administrator")).toBeVisible();
  await shot(page, "user-detail-last-admin");
  await page.reload();
  await expect(page.getByLabel("Role")).toHaveValue("administrator");

  await page.goto("/audit");
  await expect(page.getByRole("row").filter({ hasText: "role@rootline.test" }).filter({ hasText: /user\.role-change|changed user role/ }).first()).toBeVisible();
});

test("an administrator makes a reset link: shown once, works once, ends the user's sessions", async ({ page, browser }) => {
  await createUser(page, "reset@rootline.test", "operator", "forgotten-password-1");
  const before = await signedIn(browser, "reset@rootline.test", "forgotten-password-1");

  await openUser(page, "reset@rootline.test");
  await page.getByRole("button", { name: "Make reset link" }).click();
  const link = (await page.getByTestId("reset-link").textContent())!;
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/reset-password\?token=[\w-]{40,}$/);
  await shot(page, "user-detail-reset-link");
  // Shown once: the page does not show it again.
  await page.reload();
  await expect(page.getByTestId("reset-link")).toHaveCount(0);

  const anon = await browser.newContext({ storageState: { cookies: [], origins: [] }, viewport: VIEWPORT });
  const p = await anon.newPage();
  await p.goto(link);
  await expect(p.getByText("for reset@rootline.test")).toBeVisible();
  await shot(p, "reset-password");
  await p.getByLabel("New password", { exact: true }).fill("short");
  await p.getByLabel("Confirm new password").fill("short");
  await p.getByRole("button", { name: "Set password" }).click();
  await expect(p.getByText("the password needs at least 10 characters")).toBeVisible();
  await p.getByLabel("New password", { exact: true }).fill("remembered-password-2");
  await p.getByLabel("Confirm new password").fill("remembered-password-2");
  await p.getByRole("button", { name: "Set password" }).click();
  await expect(p.getByText("The password of reset@rootline.test is set.")).toBeVisible();
  await shot(p, "reset-password-done");

  // The session from before the reset has ended.
  await expectSignedOut(before.page);
  // The link works once.
  await p.goto(link);
  await expect(p.getByText("this reset link is not valid")).toBeVisible();
  await expect(p.getByLabel("New password", { exact: true })).toHaveCount(0);
  await shot(p, "reset-password-used");
  await anon.close();

  const after = await signedIn(browser, "reset@rootline.test", "remembered-password-2");
  await after.ctx.close();
  await before.ctx.close();
});

test("a user changes their own password with the current one", async ({ page, browser }) => {
  await createUser(page, "self@rootline.test", "auditor", "first-password-1");
  const { ctx, page: p } = await signedIn(browser, "self@rootline.test", "first-password-1");
  await p.getByTestId("signed-in-user").click();
  await expect(p.getByRole("heading", { name: "Your account" })).toBeVisible();
  await p.getByLabel("Current password").fill("not-my-password");
  await p.getByLabel("New password", { exact: true }).fill("second-password-2");
  await p.getByLabel("Confirm new password").fill("second-password-2");
  await p.getByRole("button", { name: "Change password" }).click();
  await expect(p.getByText("the current password is wrong")).toBeVisible();
  await shot(p, "account-password-error");
  await p.getByLabel("Current password").fill("first-password-1");
  await p.getByLabel("New password", { exact: true }).fill("second-password-2");
  await p.getByLabel("Confirm new password").fill("second-password-2");
  await p.getByRole("button", { name: "Change password" }).click();
  await expect(p.getByText("Password changed.")).toBeVisible();
  await shot(p, "account");
  // Still signed in here; the new password is the one that works.
  await p.goto("/certificates");
  await expect(p.getByRole("heading", { name: "Certificates" })).toBeVisible();
  await p.getByRole("button", { name: "Sign out", exact: true }).click();
  await p.getByLabel("Email", { exact: true }).fill("self@rootline.test");
  await p.getByLabel("Password").fill("first-password-1");
  await p.getByRole("button", { name: "Sign in" }).click();
  await expect(p.getByText("wrong email or password")).toBeVisible();
  await ctx.close();
  const again = await signedIn(browser, "self@rootline.test", "second-password-2");
  await again.ctx.close();
});

test("sign out everywhere ends the sessions of other browsers", async ({ page, browser }) => {
  await createUser(page, "roaming@rootline.test", "operator", "roaming-password-1");
  const a = await signedIn(browser, "roaming@rootline.test", "roaming-password-1");
  const b = await signedIn(browser, "roaming@rootline.test", "roaming-password-1");
  await a.page.goto("/users/me");
  await expect(a.page.getByTestId("active-sessions")).toHaveText("2");
  await a.page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(a.page).toHaveURL(/\/signin$/);
  await expectSignedOut(b.page);

  // An administrator can end another user's sessions too.
  const c = await signedIn(browser, "roaming@rootline.test", "roaming-password-1");
  await openUser(page, "roaming@rootline.test");
  await expect(page.getByTestId("active-sessions")).toHaveText("1");
  await shot(page, "user-detail");
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page.getByText("ended 1 session")).toBeVisible();
  await expectSignedOut(c.page);
  // The administrator's own session is untouched.
  await page.goto("/users");
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await shot(page, "users-list");
  for (const x of [a, b, c]) await x.ctx.close();
});
