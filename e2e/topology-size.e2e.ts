import { expect, test } from "@playwright/test";

// The server-action body limit (next.config.js) is 1 MB; the import's own limit sits below
// it. Just below the body limit the server answers with the field error; above it the
// request would be refused before the action runs, so the form checks first and shows
// the same field error.
test.describe.configure({ mode: "serial" });

const cases: [string, () => string][] = [
  ["just below the body limit (ASCII paste, 950,000 bytes)", () => "x".repeat(950_000)],
  ["above the body limit (ASCII paste, 1,100,000 bytes)", () => "x".repeat(1_100_000)],
  ["above the body limit in bytes, not in characters (600,000 × é)", () => "é".repeat(600_000)],
];

for (const [name, text] of cases) {
  test(`an over-long topology paste ${name} gets the field error`, async ({ page }) => {
    const errors: string[] = [];
    page.on("response", (r) => r.status() >= 500 && errors.push(`${r.status()} ${r.url()}`));
    await page.goto("/topologies/import");
    await page.getByLabel("Name").fill("too-big");
    await page.getByLabel("Topology JSON").fill(text());
    await page.getByRole("button", { name: "Import" }).click();
    await expect(page.getByText(/the topology is too large/).first()).toBeVisible();
    await expect(page.getByLabel("Name")).toHaveValue("too-big");
    expect(errors).toEqual([]);
  });
}

test("an over-long topology file above the body limit gets the field error", async ({ page }) => {
  await page.goto("/topologies/import");
  await page.getByLabel("Name").fill("too-big-file");
  await page.getByLabel("Topology file").setInputFiles({ name: "big.json", mimeType: "application/json", buffer: Buffer.alloc(1_200_000, 0x20) });
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByText(/the topology is too large/).first()).toBeVisible();
});

// Without JavaScript the form posts to the server action directly: the server's own check answers.
test.describe("without JavaScript, below the body limit", () => {
  test.use({ javaScriptEnabled: false });
  test("a paste over the import limit gets the server's field error", async ({ page }) => {
    await page.goto("/topologies/import");
    await page.getByLabel("Name").fill("too-big-nojs");
    await page.getByLabel("Topology JSON").fill("é".repeat(480_000)); // 960,000 bytes, 480,000 characters
    await page.getByRole("button", { name: "Import" }).click();
    await expect(page.getByText("the topology is too large (960,000 bytes; at most 900,000)").first()).toBeVisible();
  });
  test("a file over the import limit gets the server's field error", async ({ page }) => {
    await page.goto("/topologies/import");
    await page.getByLabel("Name").fill("too-big-file-nojs");
    await page.getByLabel("Topology file").setInputFiles({ name: "big.json", mimeType: "application/json", buffer: Buffer.alloc(950_000, 0x20) });
    await page.getByRole("button", { name: "Import" }).click();
    await expect(page.getByText("the topology is too large (950,000 bytes; at most 900,000)").first()).toBeVisible();
  });
});
