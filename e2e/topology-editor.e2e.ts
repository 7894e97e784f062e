import { expect, test, type Locator, type Page } from "@playwright/test";
import { shot } from "./helpers";

// The topology editor's rough edges (issue 12), as an operator meets them.
test.describe.configure({ mode: "serial" });

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function boxes(items: Locator): Promise<Box[]> {
  const out: Box[] = [];
  for (const el of await items.all()) {
    const b = await el.boundingBox();
    if (b) out.push(b);
  }
  return out;
}

function expectApart(list: Box[], what: string) {
  for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) expect(overlap(list[i], list[j]), `${what} ${i} and ${j} overlap`).toBe(false);
}

async function newTopology(page: Page, name: string, start: "empty" | "fig46") {
  await page.goto("/topologies/new");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Start with").selectOption(start);
  await page.getByRole("button", { name: "Create and open the editor" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
}

async function connect(page: Page, client: string, server: string) {
  const from = (await page.getByTestId(`handle-client-${client}`).boundingBox())!;
  const to = (await page.getByTestId(`node-${server}`).boundingBox())!;
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 15 });
  await page.mouse.up();
}

const nodes = (page: Page) => page.locator('[data-testid^="node-"]:not([data-testid^="node-error-"]):not([data-testid="node-store"]):not([data-testid="node-inspector"])');

test.describe("at 1440×900", () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test("an empty topology is not 'valid'; Add node focuses the id, Tab keeps the focus for the label, nodes never stack", async ({ page }) => {
    await newTopology(page, "editor basics", "empty");
    await expect(page.getByTestId("topology-stats")).toContainText("0 nodes");
    await expect(page.getByText("valid", { exact: true })).toHaveCount(0);
    await expect(page.getByTestId("validation-ok")).toHaveCount(0);
    await expect(page.getByTestId("validation-empty")).toContainText("Empty");
    await expect(page.getByText("empty", { exact: true })).toBeVisible();
    await page.getByRole("tab", { name: "Procedure" }).click();
    await expect(page.getByRole("button", { name: "Compute procedure" })).toBeDisabled();
    await page.getByRole("tab", { name: "Edit" }).click();
    await shot(page, "topology-editor-empty");
    await page.goto("/topologies");
    await expect(page.getByTestId("topology-row-editor basics")).toContainText("empty");
    await expect(page.getByTestId("topology-row-editor basics")).not.toContainText("valid");
    await page.getByRole("link", { name: "editor basics" }).click();
    await expect(page.getByRole("heading", { name: "editor basics" })).toBeVisible();

    // Add node: the id field has the focus; the id typed, Tab, the label typed: both are kept.
    await page.getByRole("button", { name: "Add node" }).click();
    await expect(page.getByLabel("Node id")).toBeFocused();
    await page.keyboard.type("gw-1");
    await page.keyboard.press("Tab");
    await expect(page.getByLabel("Label")).toBeFocused();
    await page.keyboard.type("Gateway, hall 2");
    await page.keyboard.press("Tab");
    await expect(page.getByTestId("node-gw-1")).toContainText("Gateway, hall 2");
    await expect(page.getByLabel("Node id")).toHaveValue("gw-1");

    // More nodes: each lands in a free place, none on top of another (nor of its error bubble).
    for (let i = 0; i < 5; i++) await page.getByRole("button", { name: "Add node" }).click();
    await expect(nodes(page)).toHaveCount(6);
    // Nor on another's error bubble, which says in a few words what is wrong.
    await expect(page.getByTestId("node-error-node-1")).toHaveText("cannot be reached");
    expectApart([...(await boxes(nodes(page))), ...(await boxes(page.locator('[data-testid^="node-error-"]')))], "node or bubble");
    await shot(page, "topology-editor-added-nodes");
  });

  test("auto layout keeps unlinked nodes and their error bubbles apart; the legend covers no node; a group is chosen, not typed", async ({ page }) => {
    await newTopology(page, "editor layout", "empty");
    for (let i = 0; i < 8; i++) await page.getByRole("button", { name: "Add node" }).click();
    await page.getByRole("checkbox", { name: /^Direct/ }).check();
    await connect(page, "node-1", "node-8");
    await expect(page.getByTestId("topology-stats")).toContainText("1 link");
    await page.getByRole("button", { name: "Auto layout" }).click();
    await page.waitForTimeout(600);
    const bubbles = page.locator('[data-testid^="node-error-"]');
    expect(await bubbles.count()).toBeGreaterThanOrEqual(6);
    const all = [...(await boxes(nodes(page))), ...(await boxes(bubbles))];
    expectApart(all, "node or bubble");
    // Not one row: the unlinked nodes wrap.
    const tops = new Set((await boxes(nodes(page))).map((b) => Math.round(b.y)));
    expect(tops.size).toBeGreaterThan(2);
    // The legend is beside the canvas's drawing area, not on a node.
    const legend = (await page.getByTestId("legend").boundingBox())!;
    for (const b of await boxes(nodes(page))) expect(overlap(legend, b)).toBe(false);
    await shot(page, "topology-editor-auto-layout");

    // The group: a choice of the existing groups, or "New group…" and a name.
    await page.locator(".react-flow__edge").first().click({ force: true });
    const group = page.getByLabel("Root key group");
    await expect(group).toHaveValue("default");
    await expect(group.locator("option")).toHaveText(["default", "New group…"]);
    await group.selectOption({ label: "New group…" });
    await page.getByLabel("New group name").fill("site-b");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await expect(page.getByTestId("topology-stats")).toContainText("1 group");
    await expect(page.getByTestId("legend")).toContainText("site-b");
    await expect(group).toHaveValue("site-b");
    await shot(page, "topology-editor-group-choice");
  });

  test("leaving with unsaved edits asks first, by link and by closing the tab", async ({ page }) => {
    await newTopology(page, "editor leave", "empty");
    // Nothing changed: leaving asks nothing.
    let asked = 0;
    page.on("dialog", (d) => {
      asked++;
      void (d.type() === "confirm" && d.message().includes("unsaved changes") && asked === 1 ? d.dismiss() : d.accept());
    });
    await page.getByRole("button", { name: "Add node" }).click();
    await expect(page.getByText("unsaved changes")).toBeVisible();
    const prevented = await page.evaluate(() => {
      const e = new Event("beforeunload", { cancelable: true });
      window.dispatchEvent(e);
      return e.defaultPrevented;
    });
    expect(prevented).toBe(true);
    // In-app link: the first answer is "stay", the second "leave".
    await page.getByRole("link", { name: "← Topologies" }).click();
    await expect.poll(() => asked).toBe(1);
    await expect(page.getByRole("heading", { name: "editor leave" })).toBeVisible();
    await expect(page.getByTestId("node-node-1")).toBeVisible();
    await page.getByRole("link", { name: "← Topologies" }).click();
    await expect(page).toHaveURL(/\/topologies$/);
    expect(asked).toBe(2);
  });
});

test("at the default viewport: a step dragged with the mouse reorders, and the link counter agrees with the red links", async ({ page }) => {
  await newTopology(page, "editor reorder", "fig46");
  await page.getByRole("tab", { name: "Procedure" }).click();
  await page.getByRole("button", { name: "Compute procedure" }).click();
  await expect(page.getByTestId("plan-summary")).toContainText("19 tasks");
  await expect(page.getByTestId("link-counts")).toContainText("5 ok");

  // A real mouse drag, two rows up (the minimal schedule has store-root:40-3 at 6 and
  // store-cert:30-1 at 8): press on the row, move in steps, release over the target row.
  const list = page.getByTestId("step-list");
  await list.evaluate((el) => (el.scrollTop = 5 * 46));
  // At 1280×720 the list still shows several steps (it once shrank to two rows).
  expect((await list.boundingBox())!.height).toBeGreaterThan(200);
  await list.scrollIntoViewIfNeeded();
  await page.getByTestId("step-store-cert:30-1").scrollIntoViewIfNeeded();
  const from = (await page.getByTestId("step-store-cert:30-1").boundingBox())!;
  const to = (await page.getByTestId("step-store-root:40-3").boundingBox())!;
  await shot(page, "topology-editor-before-drag");
  await page.mouse.move(from.x + 60, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + 60, from.y + from.height / 2 + 8, { steps: 4 });
  await page.mouse.move(to.x + 60, to.y + 4, { steps: 12 });
  await page.mouse.up();

  const verdict = page.getByTestId("order-verdict");
  await expect(verdict).toHaveAttribute("data-verdict", "failure");
  await expect(verdict).toContainText("server 30-1 replaced its certificate before client 40-3 stored the new root");
  // The counter counts what the canvas shows in red.
  const red = page.locator('[data-testid^="link-status-"][data-status="broken"]');
  await expect(red.first()).toBeVisible();
  const broken = await red.count();
  expect(broken).toBeGreaterThan(0);
  await expect(page.getByTestId("link-counts")).toContainText(`${broken} broken`);
  await expect(page.getByTestId("link-counts")).not.toContainText("0 broken");
  await page.setViewportSize({ width: 1440, height: 900 });
  await shot(page, "topology-editor-reorder-counter");
});
