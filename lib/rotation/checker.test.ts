import { describe, expect, it } from "vitest";
import { checkOrder, checkOrders } from "./checker";
import { planUpdate } from "./planner";
import { onlyGroup, topo } from "../test/rotation";

const pair = () => topo(["*30", "40"], [["40", "30"]]);
// Seed numbers of FIG. 13 (see planner.test.ts): 1/2 store-root server/client, 3/4 store-cert client/server, 5/6 replace-root server/client.
const S = "create-root";
const [P1, P2, P3, P4, P5, P6] = ["store-root:30", "store-root:40", "store-cert:40", "store-cert:30", "replace-root:30", "replace-root:40"];
const LINK = { index: 0, client: "40", server: "30", group: "default" };

describe("checkOrder — FIG. 13", () => {
  it("accepts the plan's order and an order that ignores only the preferred edge", () => {
    const t = pair();
    const g = onlyGroup(t);
    expect(checkOrder(t, g, g.order)).toEqual({ kind: "ok" });
    expect(checkOrder(t, g, [S, P2, P3, P1, P4, P5, P6])).toEqual({ kind: "ok" });
  });

  it.each([
    ["4 before 2", [S, P1, P4, P2, P3, P5, P6], 3, P4, "server 30 replaced its certificate before client 40 stored the new root"],
    ["5 before 3", [S, P1, P2, P4, P5, P3, P6], 5, P5, "server 30 deleted the old root before client 40 stored its new certificate"],
    ["6 before 4", [S, P1, P2, P3, P6, P4, P5], 5, P6, "client 40 deleted the old root before server 30 stored its new certificate"],
  ])("rejects %s with the step, link and reason", (_name, order, step, task, reason) => {
    const t = pair();
    expect(checkOrder(t, onlyGroup(t), order)).toEqual({ kind: "failure", group: "default", step, task, failure: "authentication", link: LINK, reason });
  });

  it("rejects a request the node cannot verify (R2 ignored)", () => {
    const t = pair();
    expect(checkOrder(t, onlyGroup(t), [S, P1, P3, P2, P4, P5, P6])).toEqual({
      kind: "failure",
      group: "default",
      step: 3,
      task: P3,
      failure: "verification",
      link: null,
      reason: "node 40 cannot verify its new certificate: it holds no root with the new key (store-root:40 has not run)",
    });
  });

  it("rejects orders that are not a complete order of the tasks", () => {
    const t = pair();
    const g = onlyGroup(t);
    expect(checkOrder(t, g, [S, P1, P2, P3, P4, P5, P6, "store-root:99", P1])).toEqual({
      kind: "invalid-order",
      errors: [
        { group: "default", step: 8, task: "store-root:99", message: 'unknown task "store-root:99" in group "default"' },
        { group: "default", step: 9, task: P1, message: `task "${P1}" is repeated (first at step 2)` },
      ],
    });
    expect(checkOrder(t, g, [S, P1])).toMatchObject({ kind: "invalid-order", errors: expect.arrayContaining([{ group: "default", task: P6, message: `task "${P6}" is missing` }]) });
    expect(checkOrder(t, g, "nope")).toMatchObject({ kind: "invalid-order" });
    expect(checkOrder(t, g, [S, 3])).toMatchObject({ kind: "invalid-order", errors: expect.arrayContaining([expect.objectContaining({ step: 2, message: "entry 2 is not a task id string" })]) });
  });

  it("judges by authentication, not by the edges: a bundled order ignoring T → bundle fails only through the simulator", () => {
    const t = pair();
    const g = onlyGroup(t, { mode: "bundled" });
    expect(checkOrder(t, g, ["bundle:40", "create-root-bundle", "bundle:30", "discard-old:40"])).toMatchObject({
      kind: "failure",
      step: 1,
      failure: "verification",
      reason: "bundle:40 ran before create-root-bundle: the new root key does not exist yet",
    });
  });
});

describe("checkOrders — several groups", () => {
  const twoGroups = () => topo(["*30", "40", "50"], [["40", "30", "A"], ["30", "50", "B"]]);

  it("takes an object {group: order} and names the failing group", () => {
    const t = twoGroups();
    const r = planUpdate(t);
    if (!r.ok) throw new Error("plan failed");
    const [a, b] = r.plan.groups;
    expect(checkOrders(t, r.plan, { A: a.order, B: b.order })).toEqual({ kind: "ok" });
    const bad = ["create-root", "store-root:50", "store-cert:50", "store-root:30", "store-cert:30", "replace-root:50", "replace-root:30"];
    expect(checkOrders(t, r.plan, { A: a.order, B: bad })).toMatchObject({
      kind: "failure",
      group: "B",
      step: 3,
      task: "store-cert:50",
      link: { client: "30", server: "50", group: "B", index: 1 },
    });
  });

  it("refuses a flat array when there are several groups, and missing or unknown groups", () => {
    const t = twoGroups();
    const r = planUpdate(t);
    if (!r.ok) throw new Error("plan failed");
    const [a, b] = r.plan.groups;
    expect(checkOrders(t, r.plan, a.order)).toMatchObject({ kind: "invalid-order", errors: [{ message: expect.stringContaining('2 root key groups ("A", "B")') }] });
    expect(checkOrders(t, r.plan, { A: a.order })).toEqual({ kind: "invalid-order", errors: [{ group: "B", message: 'no order for group "B"' }] });
    expect(checkOrders(t, r.plan, { A: a.order, B: b.order, C: [] })).toEqual({ kind: "invalid-order", errors: [{ group: "C", message: 'unknown root key group "C"' }] });
    expect(checkOrders(t, r.plan, 42)).toMatchObject({ kind: "invalid-order" });
  });

  it("takes a flat array for a single group", () => {
    const t = pair();
    const r = planUpdate(t);
    if (!r.ok) throw new Error("plan failed");
    expect(checkOrders(t, r.plan, r.plan.groups[0].order)).toEqual({ kind: "ok" });
  });
});
