/**
 * The CA proxy in the app (issue 11): an operator registers a proxy, edits its policy (an invalid
 * one first: the error names the field), issues its certificate, and sees a refused connection in
 * its decision log. The decision comes from a real `rootline proxy` process started with the
 * certificate and key downloaded from the app, reporting to the e2e server (--name, --app), in
 * front of a real `openssl s_server -Verify 1` holding a Rootline server certificate.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { shot } from "./helpers";

test.describe.configure({ mode: "serial" });
test.use({ viewport: { width: 1440, height: 900 } });

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "bin/rootline.mjs");
const APP = `http://127.0.0.1:${process.env.E2E_PORT ?? 3100}`;
const ENV: NodeJS.ProcessEnv = { ...process.env, ROOTLINE_DATA_DIR: path.join(ROOT, "e2e/.data/server") };
delete ENV.DATABASE_URL;
const ISSUER = "site-a-ca";
const PROXY = "site-a-proxy";
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rl-e2e-proxy-"));
const children: ChildProcess[] = [];

function rootline(args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: ENV, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`rootline ${args.join(" ")} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** A process in its own group (killed with its children at the end), output to a file in `work`. */
function start(name: string, cmd: string, args: string[]): ChildProcess {
  const out = fs.openSync(path.join(work, `${name}.log`), "a");
  const child = spawn(cmd, args, { cwd: ROOT, env: ENV, detached: true, stdio: ["ignore", out, out] });
  children.push(child);
  return child;
}

async function listening(port: number, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test.afterAll(() => {
  for (const c of children) {
    try {
      if (c.pid !== undefined) process.kill(-c.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

let proxyUrl = "";

test("an operator registers a proxy and sets a policy; an invalid one is refused naming the field", async ({ page }) => {
  rootline(["issuer", "create", "--name", ISSUER, "--key", "ec-p256", "--subject", "CN=Site A CA, O=Rootline"]);
  await page.goto("/proxies");
  await expect(page.getByRole("heading", { name: "Proxies" })).toBeVisible();
  await expect(page.getByText("No proxies registered yet")).toBeVisible();
  const form = page.getByRole("form", { name: "Register proxy" });
  await form.getByLabel("Name").fill(PROXY);
  await form.getByLabel("Upstream issuer").selectOption(ISSUER);
  await form.getByLabel("Description").fill("Hall 3: printers and meters");
  await form.getByRole("button", { name: "Register proxy" }).click();
  await expect(page.getByRole("heading", { name: PROXY })).toBeVisible();
  await expect(page.getByText("Proxy registered.")).toBeVisible();
  proxyUrl = new URL(page.url()).pathname;

  const policy = page.getByLabel("Policy (JSON)");
  await policy.fill('{"default": "allow", "rules": [{"source": "10.0.0.300", "answer": "deny"}]}');
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.locator('[data-field-error="policy"]')).toHaveText(/^policy\.rules\[0\]\.source: must be an IP address or CIDR/);
  await expect(policy).toHaveValue(/10\.0\.0\.300/); // what was typed stays, to be fixed
  await shot(page, "proxy-policy-error");

  // Cut off loopback clients: the connection the test makes below.
  await policy.fill('{"default": "allow", "rules": [{"source": "127.0.0.1", "route": "default", "answer": "deny"}]}');
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByText("Policy saved.")).toBeVisible();
  await expect(page.getByText("version 1")).toBeVisible();
  await expect(page.getByTestId("policy-rules")).toContainText("Cut off clients connecting from 127.0.0.1 on route default");
  await expect(page.getByTestId("policy-rules")).toContainText("Otherwise: answer for the client");
});

test("the operator issues the proxy certificate; a running proxy reports a refused connection", async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(proxyUrl);
  const issue = page.getByRole("form", { name: "Issue proxy certificate" });
  await issue.getByLabel("Issuing CA").selectOption(ISSUER);
  await issue.getByRole("button", { name: "Issue proxy certificate" }).click();
  await expect(page.getByText("Proxy certificate issued.")).toBeVisible();
  await page.getByTestId("proxy-certificates").getByRole("link").first().click();
  await expect(page.getByText("CA proxy (TLS client to upstreams, server to its clients)")).toBeVisible();
  const certPath = new URL(page.url()).pathname;
  const download = async (format: string) => {
    const r = await page.request.get(`${certPath}/download?format=${format}`);
    expect(r.status(), `download ${format}`).toBe(200);
    return r.body();
  };
  fs.writeFileSync(path.join(work, "proxy.pem"), await download("pem"));
  fs.writeFileSync(path.join(work, "proxy.key"), await download("key"), { mode: 0o600 });
  fs.writeFileSync(path.join(work, "ca.pem"), await (await page.request.get(`/api/repository/${ISSUER}/ca.crt?format=pem`)).body());

  // The upstream: openssl s_server requiring a client certificate, with a Rootline server certificate.
  spawnSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=upstream.site-a.test", "-keyout", path.join(work, "up.key"), "-out", path.join(work, "up.csr")]);
  fs.writeFileSync(path.join(work, "up.pem"), rootline(["cert", "issue", "--issuer", ISSUER, "--csr", path.join(work, "up.csr"), "--san", "DNS:upstream.site-a.test", "--san", "IP:127.0.0.1"]));
  const [upPort, listenPort] = [await freePort(), await freePort()];
  start("upstream", "openssl", ["s_server", "-accept", `127.0.0.1:${upPort}`, "-cert", path.join(work, "up.pem"), "-key", path.join(work, "up.key"), "-CAfile", path.join(work, "ca.pem"), "-Verify", "1", "-www"]);
  await listening(upPort);

  start("proxy", process.execPath, [
    BIN, "proxy",
    "--listen", `127.0.0.1:${listenPort}`, "--upstream", `127.0.0.1:${upPort}`, "--servername", "upstream.site-a.test",
    "--ca", path.join(work, "ca.pem"), "--repository", `${APP}/api/repository`, "--issuer", ISSUER,
    "--cert", path.join(work, "proxy.pem"), "--key", path.join(work, "proxy.key"),
    "--log", path.join(work, "decisions.jsonl"), "--data-dir", path.join(work, "proxy-data"),
    "--name", PROXY, "--app", APP,
  ]);
  await listening(listenPort);

  // Its first report (sent at start) brings the policy back: wait until the page has seen it.
  await page.goto(proxyUrl);
  await expect(page.getByTestId("proxy-last-report")).not.toHaveText("never", { timeout: 30_000 });

  // A client from 127.0.0.1: the policy cuts it off, nothing comes back (s_server -www would answer
  // a forwarded request with its status page). The proxy applies the policy right after the reply
  // to its first report, which the page has just shown: allow it a moment.
  const request = () =>
    new Promise<string>((resolve) => {
      let data = "";
      const s = net.connect(listenPort, "127.0.0.1", () => s.write("GET / HTTP/1.0\r\n\r\n"));
      s.on("data", (d) => (data += d));
      s.on("close", () => resolve(data));
      s.on("error", () => resolve(data));
      s.setTimeout(15_000, () => s.destroy());
    });
  let received = await request();
  for (let i = 0; received !== "" && i < 5; i++) {
    await new Promise((r) => setTimeout(r, 500));
    received = await request();
  }
  expect(received).toBe("");

  // The proxy reports it (every 10 s); the page polls every 3 s.
  const refused = page.locator('[data-testid="proxy-decision"][data-decision="refused-policy"]');
  await expect(refused.first()).toBeVisible({ timeout: 45_000 });
  await expect(refused.first()).toContainText("refused by policy");
  await expect(refused.first()).toContainText("127.0.0.1");
  await expect(page.getByTestId("proxy-counters")).toContainText("rootline_proxy_connections_total");
  await shot(page, "proxy-detail");

  await page.goto("/proxies");
  await expect(page.getByTestId(`proxy-row-${PROXY}`)).toContainText("valid");
  await expect(page.getByTestId(`proxy-row-${PROXY}`)).toContainText("version 1");
  await shot(page, "proxies");

  // Every change is in the audit log.
  await page.goto("/audit");
  // The action cell reads "registered proxy" with the inventory name beside it.
  for (const action of ["proxy.register", "proxy.policy-change", "proxy.certificate-issue"]) await expect(page.getByRole("cell", { name: new RegExp(`\\b${action.replace(".", "\\.")}\\b`) }).first()).toBeVisible();
});
