import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// Every test file gets its own data directory, database copy and master key.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-file-"));
process.env.ROOTLINE_DATA_DIR = dir;
process.env.ROOTLINE_MASTER_KEY = crypto.randomBytes(32).toString("base64");
const template = process.env.ROOTLINE_TEST_TEMPLATE_DB;
if (template) {
  const file = path.join(dir, "rootline.db");
  fs.copyFileSync(template, file);
  process.env.DATABASE_URL = `file:${file}`;
}
