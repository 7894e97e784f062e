import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { expect, test } from "@playwright/test";

// The auditor's page detects a truncated tail (someone with the database file dropped the
// triggers and deleted the newest entry); the entry is put back afterwards for the next files.
test("the audit page names entries removed from the end of the log", async ({ page }) => {
  const file = path.resolve("e2e/.data/server/rootline.db");
  const raw = new Database(file);
  try {
    const last = raw.prepare(`SELECT * FROM "AuditEvent" ORDER BY seq DESC LIMIT 1`).get() as Record<string, unknown>;
    expect(last).toBeTruthy();
    raw.exec(`DROP TRIGGER "AuditEvent_no_delete"`);
    raw.prepare(`DELETE FROM "AuditEvent" WHERE seq = ?`).run(last.seq);
    await page.goto("/audit?verify=1");
    await expect(page.getByText(`Audit log broken at entry #${last.seq}`)).toBeVisible();
    await expect(page.getByText(/were removed from the end/)).toBeVisible();

    const cols = Object.keys(last);
    raw.prepare(`INSERT INTO "AuditEvent" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`).run(...cols.map((c) => last[c]));
  } finally {
    const sql = fs.readFileSync("prisma/migrations/0004_audit_anchor/migration.sql", "utf8");
    for (const trigger of sql.match(/CREATE TRIGGER[^]*?END;/g)!) raw.exec(trigger.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS"));
    raw.close();
  }
  await page.goto("/audit?verify=1");
  await expect(page.getByText("Chain intact")).toBeVisible();
});
