import { describe, expect, it } from "vitest";
import { changeView } from "./change";

describe("the compact change view", () => {
  it("one line: changed keys as before → after, unchanged keys left out, new keys as values", () => {
    const v = changeView(JSON.stringify({ role: "operator", name: "A" }), JSON.stringify({ role: "auditor", name: "A", note: "x" }));
    expect(v.summary).toBe("role: operator → auditor · note: x");
    expect(v.rows).toEqual([{ key: "role", before: "operator", after: "auditor" }, { key: "name", before: "A", after: "A" }, { key: "note", after: "x" }]);
  });

  it("only a before (a deletion), nested values and non-object JSON", () => {
    expect(changeView(JSON.stringify({ name: "p" }), null).summary).toBe("name: was p");
    expect(changeView(null, JSON.stringify({ sans: ["a", "b"] })).summary).toBe('sans: ["a","b"]');
    expect(changeView(null, "not json").rows).toEqual([{ key: "value", after: "not json" }]);
  });
});
