// Next.js calls register() once per server process: the place for background jobs.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startBackgroundJobs } = await import("./lib/jobs");
  startBackgroundJobs();
}
