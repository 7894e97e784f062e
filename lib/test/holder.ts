// A stand-in for a running app process in lib/secrets/rotate.process.test.ts: it loads the
// master key at start, then appends one audit entry (a write that needs the key) per line
// read from stdin and answers "ok <key id>" or "error <message>".
import { createInterface } from "node:readline";
import { appendAudit } from "../audit";
import { SYSTEM } from "../auth/actor";
import { db } from "../db";
import { masterKeys } from "../secrets/masterKey";

masterKeys();
console.log(`ready ${process.pid}`);
createInterface({ input: process.stdin }).on("line", async (line) => {
  try {
    await db().$transaction((tx) => appendAudit(tx, SYSTEM, { action: "topology.create", targetType: "topology", targetId: line }));
    console.log(`ok ${masterKeys().current.id.toString("hex")}`);
  } catch (err) {
    console.log(`error ${(err as Error).message.replace(/\n/g, " ")}`);
  }
});
