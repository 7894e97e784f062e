/**
 * Issue #3: CRL generation time and peak memory at 10k and 100k revoked entries.
 *   - rebuildCrl (lib/revocation/crlStore): from the database (read, build, sign, store);
 *   - buildCrl (lib/pki/crl) alone, same entries, for comparison;
 *   - `openssl crl -inform DER -noout -text > /dev/null` parse time of each CRL.
 * Every measurement runs in its own child process, so its peak RSS (maxRSS) is its own.
 * Goal: 100k entries in under 5 s.
 * Run alone: npm run bench -- crl
 */
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { FLEET_ISSUER, populatedDataDir } from "./populate";
import { benchEnv, goal, heading, median, mib, nowMs, removeTempDir, table, tempDir, tsxChild, fmt } from "./lib";

const SIZES = [10_000, 100_000];
const REPEATS = 3; // timed builds per child (the first one also gives the peak memory)

interface ChildResult {
  times: number[];
  cachedMs?: number[];
  rssBefore: number;
  peakRss: number;
  bytes: number;
  entries: number;
}

// ------------------------------------------------------------------ children

async function childRebuild(issuerId: string, out: string) {
  const { rebuildCrl, currentCrl } = await import("../lib/revocation/crlStore");
  const { db, closeDb } = await import("../lib/db");
  await db().issuer.findUniqueOrThrow({ where: { id: issuerId }, select: { id: true } }); // connection open, modules loaded
  const rssBefore = process.memoryUsage().rss;
  const times: number[] = [];
  let peakRss = 0;
  let der: Uint8Array = new Uint8Array();
  for (let i = 0; i < REPEATS; i++) {
    const t0 = nowMs();
    der = (await rebuildCrl(issuerId)).der;
    times.push(nowMs() - t0);
    if (i === 0) peakRss = process.resourceUsage().maxRSS * 1024;
  }
  const cachedMs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = nowMs();
    await currentCrl(FLEET_ISSUER);
    cachedMs.push(nowMs() - t0);
  }
  fs.writeFileSync(out, der);
  await closeDb();
  console.log(JSON.stringify({ times, cachedMs, rssBefore, peakRss, bytes: der.length, entries: -1 } satisfies ChildResult));
}

async function childBuild(n: number, out: string) {
  const { buildCrl } = await import("../lib/pki/crl");
  const { createCaCertificate, createIssuerSigner } = await import("../lib/pki/issue");
  const { generateKeyPair } = await import("../lib/pki/keys");
  const DAY = 86_400_000;
  const keyPair = await generateKeyPair("ec-p256");
  const now = Date.now();
  const certDer = await createCaCertificate({ subject: "CN=Bench CRL CA", keyPair, notBefore: new Date(now - DAY), notAfter: new Date(now + 3650 * DAY), serial: 1n });
  const signer = createIssuerSigner({ certDer, privateKey: keyPair.privateKey });
  const reasons = ["keyCompromise", "superseded", "cessationOfOperation", "affiliationChanged", "unspecified"] as const;
  function* entries() {
    for (let i = 0; i < n; i++) yield { serial: 1002n + BigInt(i) * 2n, revokedAt: new Date(now - 90 * DAY + Math.floor(((i * 7919) % 90_000) * 86.4) * 1000), reason: reasons[i % reasons.length] };
  }
  const rssBefore = process.memoryUsage().rss;
  const times: number[] = [];
  let peakRss = 0;
  let der: Uint8Array = new Uint8Array();
  for (let i = 0; i < REPEATS; i++) {
    const t0 = nowMs();
    der = buildCrl({ signer, thisUpdate: new Date(now), nextUpdate: new Date(now + 7 * DAY), crlNumber: BigInt(i + 1), entries: entries() });
    times.push(nowMs() - t0);
    if (i === 0) peakRss = process.resourceUsage().maxRSS * 1024;
  }
  fs.writeFileSync(out, der);
  console.log(JSON.stringify({ times, rssBefore, peakRss, bytes: der.length, entries: n } satisfies ChildResult));
}

// ------------------------------------------------------------------ parent

const lastJson = (s: string) => JSON.parse(s.trim().split("\n").pop()!);

function opensslText(file: string): { ms: number[]; entries: number } {
  const check = spawnSync("bash", ["-c", `openssl crl -inform DER -in '${file}' -noout -text | grep -c 'Serial Number:'`], { encoding: "utf8" });
  const entries = Number(check.stdout.trim());
  const ms: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = nowMs();
    const r = spawnSync("bash", ["-c", `openssl crl -inform DER -in '${file}' -noout -text > /dev/null`]);
    ms.push(nowMs() - t0);
    if (r.status !== 0) throw new Error(`openssl crl failed on ${file}: ${r.stderr}`);
  }
  return { ms, entries };
}

export async function run(): Promise<void> {
  heading("crl — CRL generation at 10k and 100k revoked entries (issue #3)");
  benchEnv();
  const me = __filename;
  const rows: (string | number)[][] = [];
  const goals: string[][] = [];
  const tmp = tempDir("crl-files");
  try {
    for (const n of SIZES) {
      const pop = await populatedDataDir(n);
      const dir = pop.dir;
      const env = { ...process.env, ROOTLINE_DATA_DIR: dir };
      const rebuiltFile = path.join(tmp, `rebuilt-${n}.der`);
      const builtFile = path.join(tmp, `built-${n}.der`);
      const rebuilt = lastJson((await tsxChild(me, ["child", "rebuild", pop.issuerId, rebuiltFile], env)).stdout) as ChildResult;
      const built = lastJson((await tsxChild(me, ["child", "build", String(n), builtFile], env)).stdout) as ChildResult;
      const osslRebuilt = opensslText(rebuiltFile);
      const osslBuilt = opensslText(builtFile);
      if (osslRebuilt.entries !== n) throw new Error(`rebuilt CRL has ${osslRebuilt.entries} entries per openssl, expected ${n}`);
      if (osslBuilt.entries !== n) throw new Error(`built CRL has ${osslBuilt.entries} entries per openssl, expected ${n}`);
      const list = (xs: number[]) => xs.map((x) => fmt(x)).join("/");
      rows.push([
        fmt(n), "rebuildCrl (DB read + build + sign + store)", fmt(median(rebuilt.times)), list(rebuilt.times), `${mib(rebuilt.peakRss)} MiB`, `+${mib(rebuilt.peakRss - rebuilt.rssBefore)} MiB`, `${mib(rebuilt.bytes)} MiB`, fmt(median(osslRebuilt.ms)),
      ]);
      rows.push([fmt(n), "buildCrl alone (lib/pki)", fmt(median(built.times)), list(built.times), `${mib(built.peakRss)} MiB`, `+${mib(built.peakRss - built.rssBefore)} MiB`, `${mib(built.bytes)} MiB`, fmt(median(osslBuilt.ms))]);
      rows.push([fmt(n), "currentCrl when cached (one read)", fmt(median(rebuilt.cachedMs ?? []), 1), list(rebuilt.cachedMs ?? []), "", "", "", ""]);
      console.log(`${fmt(n)}: ${fmt(n)} revoked certificates inserted with createMany (chunks of 1,000) in ${fmt(pop.insertMs)} ms${pop.reused ? " (earlier in this run; copied)" : ""}; not part of the CRL time`);
      if (n === 100_000) goals.push(goal("rebuildCrl at 100k entries", `${fmt(median(rebuilt.times))} ms`, "< 5,000 ms", median(rebuilt.times) < 5000));
      removeTempDir(dir);
    }
  } finally {
    removeTempDir(tmp);
  }
  table(`CRL generation (median of ${REPEATS} per child process; peak = maxRSS of that child after the first build)`, ["entries", "path", "median ms", "runs ms", "peak RSS", "Δ RSS", "DER size", "openssl -text ms"], rows);
  table("goal (issue #3)", ["measure", "value", "goal", "status"], goals);
}

if (require.main === module) {
  const [mode, kind, a, b] = process.argv.slice(2);
  const job = mode !== "child" ? run() : kind === "rebuild" ? childRebuild(a, b) : kind === "build" ? childBuild(Number(a), b) : Promise.reject(new Error(`unknown child ${kind}`));
  job.catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
