import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS } from "./events";
import { actionLabel, AUDIT_LABELS } from "./labels";

// Reads the inventory at run time, so events other changes add are checked too.
describe("audit event labels", () => {
  it("every event in the inventory has a readable label", () => {
    const missing = AUDIT_ACTIONS.filter((a) => !(AUDIT_LABELS as Record<string, string>)[a]?.trim());
    expect(missing).toEqual([]);
  });

  it("labels are words, not the dotted names, and no two events share one", () => {
    const labels = AUDIT_ACTIONS.map((a) => actionLabel(a));
    expect(labels.filter((l) => /[.`]/.test(l) || l !== l.trim())).toEqual([]);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it("labels only events that exist", () => {
    expect(Object.keys(AUDIT_LABELS).filter((a) => !(AUDIT_ACTIONS as readonly string[]).includes(a))).toEqual([]);
  });

  it("reads the issue's example and an action no longer listed", () => {
    expect(actionLabel("session.sign-in")).toBe("signed in");
    expect(actionLabel("widget.re-frob")).toBe("widget re frob");
  });
});
