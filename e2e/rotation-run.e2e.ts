/**
 * An operator runs the root-key update against live agents (docs/ROTATION_RUNS.md): one
 * server and two clients as real `rootline agent` processes on loopback, provisioned with the
 * CLI on the e2e server's database; the run is started, watched and resumed in the browser.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { shot } from "./helpers";

test.describe.configure({ mode: "serial" });
test.use({ viewport: { width: 1440, height: 900 } });

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "bin/rootline.mjs");
const CA_URL = `http://127.0.0.1:${process.env.E2E_PORT ?? 3100}`;
// The CLI works on the e2e server's own database (scripts/e2e-server.sh).
const ENV: NodeJS.ProcessEnv = { ...process.env, ROOTLINE_DATA_DIR: path.join(ROOT, "e2e/.data/server") };
delete ENV.DATABASE_URL;
const TOPOLOGY = "Plant A meters";
const ISSUER = "plant-a-root";
const BASE_PORT = 7650 + (process.pid % 300);

const DOC = {
  nodes: [
    { id: "meter-gw", direct: true, acceptsConnections: true, label: "Gateway", x: 200, y: 40 },
    { id: "meter-1", direct: false, acceptsConnections: false, x: 80, y: 240 },
    { id: "meter-2", direct: false, acceptsConnections: false, x: 320, y: 240 },
  ],
  links: [
    { client: "meter-1", server: "meter-gw", group: "default", auth: "mutual" },
    { client: "meter-2", server: "meter-gw", group: "default", auth: "mutual" },
  ],
};

function rootline(args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: ENV, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`rootline ${args.join(" ")} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "rl-e2e-run-"));
const agents = new Map<string, ChildProcess>();

/** One agent per node, in its own process group so killing it takes its children too. */
function startAgent(node: string): void {
  const child = spawn(process.execPath, [BIN, "agent", "--dir", path.join(work, "nodes", node), "--ca-url", CA_URL, "--poll-interval-ms", "300", "--handshake-interval-ms", "300"], {
    cwd: ROOT,
    env: ENV,
    detached: true,
    stdio: ["ignore", "ignore", fs.openSync(path.join(work, `${node}.log`), "a")],
  });
  agents.set(node, child);
}

function stopAgent(node: string): void {
  const c = agents.get(node);
  agents.delete(node);
  if (c?.pid === undefined) return;
  try {
    process.kill(-c.pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

test.afterAll(() => {
  for (const node of [...agents.keys()]) stopAgent(node);
});

async function openTopology(page: Page): Promise<void> {
  await page.goto("/topologies");
  await page.getByRole("link", { name: TOPOLOGY }).click();
  await expect(page.getByRole("heading", { name: TOPOLOGY })).toBeVisible();
}

async function startRunFromPage(page: Page, fields: { maxFailures?: string; timeout?: string } = {}): Promise<void> {
  await openTopology(page);
  await page.getByRole("link", { name: /^Rotation/ }).click();
  const form = page.getByRole("form", { name: "Start a rotation run" });
  if (fields.maxFailures) await form.getByLabel("Max failures in a row").fill(fields.maxFailures);
  if (fields.timeout) await form.getByLabel("Task timeout (seconds)").fill(fields.timeout);
  await form.getByRole("button", { name: "Start rotation run" }).click();
  await expect(page).toHaveURL(/\/topologies\/[^/]+\/runs\/[^/]+$/);
  await expect(page.getByRole("heading", { name: /Rotation run/ })).toBeVisible();
}

test("an operator binds a group, starts a run against live agents and watches it finish", async ({ page }) => {
  test.setTimeout(180_000);
  rootline(["issuer", "create", "--name", ISSUER, "--key", "ec-p256", "--subject", "CN=Plant A Root"]);
  fs.writeFileSync(path.join(work, "topology.json"), JSON.stringify(DOC));
  rootline(["topology", "import", "--name", TOPOLOGY, "--file", path.join(work, "topology.json")]);

  // Nothing bound yet: the Rotation section says what to do first.
  await openTopology(page);
  await page.getByRole("link", { name: /^Rotation/ }).click();
  const group = page.getByTestId("rotation-group-default");
  await expect(group.getByText("not bound")).toBeVisible();
  await expect(page.getByText("Bind a root key group to an issuer first.")).toBeVisible();
  await expect(page.getByTestId("rotation-runs").getByText("No rotation run yet.")).toBeVisible();
  await group.getByLabel("Issuer").selectOption(ISSUER);
  await group.getByRole("button", { name: "Bind" }).click();
  await expect(group.getByRole("link", { name: ISSUER })).toBeVisible();
  await expect(group.getByText("0 of 3 nodes provisioned")).toBeVisible();
  await page.locator("#rotation").scrollIntoViewIfNeeded();
  await shot(page, "rotation-section-bound");

  rootline(["topology", "provision", "--topology", TOPOLOGY, "--out", path.join(work, "nodes"), "--host", "127.0.0.1", "--base-port", String(BASE_PORT), "--ca-url", CA_URL]);
  for (const node of ["meter-gw", "meter-1", "meter-2"]) startAgent(node);

  await startRunFromPage(page);
  await expect(page.getByTestId("run-roots")).toContainText("CN=Plant A Root (key 2)");
  await shot(page, "rotation-run-live");
  await expect(page.getByTestId("run-state")).toHaveAttribute("data-state", "succeeded", { timeout: 90_000 });
  await expect(page.getByTestId("run-counts")).toContainText(/(\d+) of \1 tasks succeeded/);
  // Every step green; every link authenticated by both ends; every node holds only the new root.
  await expect(page.locator('[data-testid^="step-"][data-state]:not([data-state="succeeded"])')).toHaveCount(0);
  await expect(page.getByTestId("run-retries").getByText(/No retries and no errors/)).toBeVisible();
  for (const node of ["meter-gw", "meter-1", "meter-2"]) {
    const row = page.getByTestId(`run-node-${node}`);
    await expect(row.getByText("new root")).toBeVisible({ timeout: 15_000 });
    await expect(row.getByText("old root")).toHaveCount(0);
  }
  await expect(page.getByTestId("run-link-meter-1-meter-gw")).toHaveAttribute("data-health", "ok", { timeout: 15_000 });
  await expect(page.getByTestId("run-link-meter-2-meter-gw")).toHaveAttribute("data-health", "ok");
  await shot(page, "rotation-run-succeeded");

  // The issuer's history lists the retired root, linked to this run.
  await page.getByRole("link", { name: ISSUER }).first().click();
  await expect(page.getByTestId("retired-roots")).toContainText("CN=Plant A Root");
  await shot(page, "issuer-root-history");

  // The run's history in the audit log.
  await page.goBack();
  await page.getByRole("link", { name: "history in the audit log" }).click();
  await expect(page.getByTestId("audit-target")).toBeVisible();
  await expect(page.getByRole("cell", { name: "rotation.complete" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "rotation.start" })).toBeVisible();
});

test("a killed agent's tasks retry, the run fails, and after the agent is back Resume finishes it", async ({ page }) => {
  test.setTimeout(180_000);
  stopAgent("meter-2");
  await startRunFromPage(page, { maxFailures: "2", timeout: "3" });
  await expect(page.getByTestId("run-roots")).toContainText("CN=Plant A Root (key 3)");
  // meter-2's first task times out twice (3 s each): the run stops and says so.
  await expect(page.getByTestId("run-state")).toHaveAttribute("data-state", "failed", { timeout: 60_000 });
  await expect(page.getByTestId("run-failure")).toContainText("The run stopped");
  const retry = page.locator('[data-testid^="retry-"]').filter({ hasText: "meter-2" }).first();
  await expect(retry).toBeVisible();
  await expect(retry).toContainText("2 of 2");
  const failedStep = page.locator('[data-testid^="step-"][data-state="failed"]');
  await expect(failedStep).toHaveCount(1);
  await failedStep.click();
  await expect(page.getByTestId("task-details")).toContainText("no answer within 3 s");
  // The other client's link keeps authenticating.
  await expect(page.getByTestId("run-link-meter-1-meter-gw")).toHaveAttribute("data-health", "ok");
  // The dead agent's link goes quiet, and the page says so.
  await expect(page.getByTestId("run-link-meter-2-meter-gw").getByTestId("link-silent")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("run-node-meter-2").getByTestId("node-silent")).toBeVisible();
  await shot(page, "rotation-run-failed");

  startAgent("meter-2");
  await page.getByRole("button", { name: "Resume" }).click();
  await expect(page.getByTestId("run-state")).toHaveAttribute("data-state", /running|succeeded/);
  await expect(page.getByTestId("run-state")).toHaveAttribute("data-state", "succeeded", { timeout: 90_000 });
  await expect(page.getByTestId("run-link-meter-2-meter-gw")).toHaveAttribute("data-health", "ok", { timeout: 15_000 });
  await expect(page.getByTestId("run-link-meter-2-meter-gw").getByTestId("link-silent")).toHaveCount(0);
  for (const node of ["meter-gw", "meter-1", "meter-2"]) await expect(page.getByTestId(`run-node-${node}`).getByText("old root")).toHaveCount(0, { timeout: 15_000 });
  await shot(page, "rotation-run-resumed");

  // The topology's run list shows both runs.
  await page.getByRole("link", { name: `← ${TOPOLOGY}` }).click();
  await expect(page.getByTestId("rotation-runs").getByTestId("run-state")).toHaveCount(2);
  await page.locator("#rotation").scrollIntoViewIfNeeded();
  await shot(page, "rotation-section-runs");
});
