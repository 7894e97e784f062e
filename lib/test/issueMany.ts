// Child process for the cross-process serial test: issues N certificates and prints their serials.
import { execFileSync } from "node:child_process";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { closeDb } from "../db";

const [issuer, n] = process.argv.slice(2);
const csr = execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj", "/CN=proc.example"], { encoding: "utf8" });
async function main() {
  const req = await requestFromCsr({ csr });
  for (let i = 0; i < Number(n); i++) {
    const c = await issueCertificate({ kind: "cli", name: "child", role: "operator" }, issuer, req);
    process.stdout.write(`${c.serial}\n`);
  }
  await closeDb();
}
void main();
