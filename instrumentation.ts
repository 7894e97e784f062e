// Next.js calls register() once per server process: the place for start-up checks and background jobs.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // Load (or create, mode 0600) the master key now: a malformed ROOTLINE_MASTER_KEY stops
  // the server at start rather than failing the first issuance.
  const { masterKeys } = await import("./lib/secrets/masterKey");
  masterKeys();
  const { startBackgroundJobs } = await import("./lib/jobs");
  startBackgroundJobs();
}
