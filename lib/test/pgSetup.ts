import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { withDatabase } from "./pgGlobalSetup";

// Every test file gets its own data directory, master key and database, a copy of the
// migrated template (lib/test/pgGlobalSetup.ts).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-file-"));
process.env.ROOTLINE_DATA_DIR = dir;
process.env.ROOTLINE_MASTER_KEY = crypto.randomBytes(32).toString("base64");
const server = process.env.ROOTLINE_PG_URL!;
const template = process.env.ROOTLINE_TEST_PG_TEMPLATE!;
const name = `rootline_t${template.replace(/^rootline_tpl_/, "")}_${crypto.randomBytes(6).toString("hex")}`;
const admin = new pg.Client({ connectionString: server });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
await admin.end();
process.env.DATABASE_URL = withDatabase(server, name);
