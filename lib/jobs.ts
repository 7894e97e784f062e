import { purgeAcme } from "./acme/purge";
import { jobLead } from "./db";
import { runGenerationSchedule } from "./generations/schedule";
import { runSweep } from "./revocation/sweep";
import { holderKeyRetentionDays, purgeHolderKeys } from "./secrets/purge";
import { startRunTimer } from "./rotation-run/timer";

/**
 * Background work of the app process (started from instrumentation.ts):
 * - the expiry sweep every ROOTLINE_SWEEP_INTERVAL_MINUTES (default 60; 0 turns it off,
 *   e.g. when cron runs `rootline sweep`), look-ahead ROOTLINE_SWEEP_LOOK_AHEAD_DAYS (30);
 * - with it, the purge of server-generated holder keys past their use (superseded, revoked,
 *   renewed, or older than ROOTLINE_HOLDER_KEY_RETENTION_DAYS, default 30; lib/secrets/purge.ts);
 * - with it, the renewal of delegated OCSP responder certificates that are due (lib/ocsp/signer.ts);
 * - the bare-RN TLS repository when ROOTLINE_TLS_REPOSITORY_ISSUER is set, on
 *   ROOTLINE_TLS_REPOSITORY_PORT (default 3443).
 * - the rotation-run engine's timer every second (task timeouts; lib/rotation-run/timer.ts).
 * - with the sweep, the CA-generation schedule (lib/generations/schedule.ts: generation n+1
 *   of each lineage when its lead time is reached); `now` injects a clock for tests;
 * - the CA-information download server when ROOTLINE_DOWNLOADS_LINEAGE is set, on
 *   ROOTLINE_DOWNLOADS_PORT (default 8443) and ROOTLINE_DOWNLOADS_HOST (default 0.0.0.0).
 * - every 10 minutes, the purge of expired ACME nonces and dead orders (lib/acme/purge.ts).
 * On SQLite several app processes may sweep at once: sweeps serialize on the database. On
 * PostgreSQL the timed jobs (sweep, schedule, holder-key purge, run timer, ACME purge) run on
 * one instance at a time, the holder of the jobs' advisory lock (lib/database/postgres.ts:
 * SessionLead); when it dies, another instance takes over within seconds. The listeners
 * (TLS repository, download server) run on every instance.
 * Returns what stops the timers.
 */
export function startBackgroundJobs(env = process.env, o: { now?: () => Date } = {}): () => void {
  const lead = jobLead();
  const leading = () => lead.leading();
  const stopRuns = startRunTimer(1000, leading);
  let stopSweep = () => {};
  const minutes = Number(env.ROOTLINE_SWEEP_INTERVAL_MINUTES ?? "60");
  const lookAheadDays = Number(env.ROOTLINE_SWEEP_LOOK_AHEAD_DAYS ?? "30");
  if (minutes > 0) {
    const timer = setInterval(() => {
      if (!leading()) return;
      runSweep({ lookAheadDays })
        .then((reports) => {
          for (const r of reports) if (r.opened || r.completed.length || r.deadlinesPassed.length) console.log(`rootline sweep: ${r.issuer}: RN ${r.revocationNumber}${r.opened ? `, renewal requested up to serial ${r.opened.serial}` : ""}`);
        })
        .catch((err) => console.error("rootline: expiry sweep failed:", err));
      runGenerationSchedule({ now: o.now?.() })
        .then((runs) => {
          for (const r of runs) if (r.created) console.log(`rootline: lineage ${r.lineage}: generation ${r.created.generation} created (${r.created.issuer})`);
          for (const m of runs.flatMap((r) => r.moves)) console.log(`rootline: ${m.issuer}: ${m.requested.length} server(s) asked to move to ${m.successor}`);
        })
        .catch((err) => console.error("rootline: CA-generation schedule failed:", err));
      purgeHolderKeys({ retentionDays: holderKeyRetentionDays(env) })
        .then(({ purged }) => purged && console.log(`rootline: deleted ${purged} server-generated holder key(s) past their use`))
        .catch((err) => console.error("rootline: holder-key purge failed:", err));
      import("./ocsp/signer")
        .then(({ keepDelegatedSigners }) => keepDelegatedSigners())
        .then((renewed) => renewed.length && console.log(`rootline: renewed the OCSP responder certificate of ${renewed.join(", ")}`))
        .catch((err) => console.error("rootline: OCSP responder renewal failed:", err));
    }, minutes * 60_000);
    timer.unref();
    stopSweep = () => clearInterval(timer);
  }
  // ACME housekeeping (lib/acme/purge.ts) runs even with the sweep off: nonces pile up with traffic.
  const acmePurge = setInterval(() => leading() && void purgeAcme().catch((err) => console.error("rootline: ACME purge failed:", err)), 10 * 60_000);
  acmePurge.unref();
  const issuer = env.ROOTLINE_TLS_REPOSITORY_ISSUER;
  if (issuer) {
    void import("./repository/tlsService")
      .then(({ serveTlsRepository }) =>
        serveTlsRepository({
          issuer,
          port: Number(env.ROOTLINE_TLS_REPOSITORY_PORT ?? "3443"),
          host: env.ROOTLINE_TLS_REPOSITORY_HOST ?? "0.0.0.0",
          hosts: env.ROOTLINE_TLS_REPOSITORY_NAMES?.split(",").map((s) => s.trim()).filter(Boolean),
        }),
      )
      .then((r) => console.log(`rootline: TLS repository for ${issuer} on ${r.url}`))
      .catch((err) => console.error(`rootline: TLS repository for ${issuer} did not start:`, err.message));
  }
  let stopDownloads = () => {};
  const lineage = env.ROOTLINE_DOWNLOADS_LINEAGE;
  if (lineage) {
    void import("./generations/downloadServer")
      .then(({ startDownloadServer }) => startDownloadServer({ lineage, port: Number(env.ROOTLINE_DOWNLOADS_PORT ?? "8443"), host: env.ROOTLINE_DOWNLOADS_HOST ?? "0.0.0.0" }))
      .then((s) => {
        stopDownloads = () => void s.stop();
        console.log(`rootline: CA-information download server for ${lineage} on ${s.url}, serving generations ${s.serving().join(", ") || "none yet"}`);
      })
      .catch((err) => console.error(`rootline: download server for ${lineage} did not start:`, err.message));
  }
  return () => {
    clearInterval(acmePurge);
    stopDownloads();
    stopSweep();
    stopRuns();
    void lead.stop();
  };
}
