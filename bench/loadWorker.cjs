// The load generator, run as its own process by bench/lib.ts (loadFromChild): autocannon
// must not share a process (or its event loop) with the server it measures.
// Usage: node bench/loadWorker.cjs '{"url":"http://127.0.0.1:3000/x","connections":50,"duration":5}'
const autocannon = require("autocannon");

const opts = JSON.parse(process.argv[2]);
autocannon(
  {
    url: opts.url,
    connections: opts.connections,
    duration: opts.duration,
    pipelining: opts.pipelining ?? 1,
    headers: opts.headers ?? {},
    ...(opts.method ? { method: opts.method } : {}),
    ...(opts.body ? { body: Buffer.from(opts.body, "base64") } : {}),
  },
  (err, r) => {
    if (err) {
      console.error(err);
      process.exit(1);
    }
    const statusCodes = {};
    for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = s.count;
    const seconds = r.duration; // autocannon reports the run's duration in seconds
    process.stdout.write(
      JSON.stringify({
        requestsPerSec: r.requests.total / seconds,
        p50: r.latency.p50,
        p99: r.latency.p99,
        total: r.requests.total,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
        statusCodes,
        durationMs: seconds * 1000,
      }) + "\n",
    );
  },
);
