/** Child process for the kill -9 test: saves ever-changing stores as fast as it can. */
import { saveStore, type NodeStore } from "../store";

const [dir, rootPem, certPem] = process.argv.slice(2);
let i = 0;
async function loop(): Promise<void> {
  for (;;) {
    i++;
    const store: NodeStore = {
      version: 1,
      groups: { default: { roots: Array.from({ length: 1 + (i % 3) }, () => rootPem), certificates: [certPem] } },
      applied: Object.fromEntries(Array.from({ length: i % 50 }, (_, k) => [`run/${"x".repeat(200)}${k}`, { attempt: i, outcome: "succeeded" as const, at: i }])),
    };
    await saveStore(dir, store);
    if (i === 5) process.stdout.write("writing\n");
  }
}
void loop();
