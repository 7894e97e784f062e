import fs from "node:fs";
import type { Page } from "@playwright/test";

export const ADMIN = { email: "admin@rootline.test", password: "admin-password-123" };

/** Full-page screenshots of every page the suite visits, for people to look at. */
export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync("e2e/screenshots", { recursive: true });
  await page.screenshot({ path: `e2e/screenshots/${name}.png`, fullPage: true });
}
