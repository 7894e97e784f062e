import { describe, expect, it } from "vitest";
import { count } from "./plural";

describe("count", () => {
  it("says 1 node, not 1 nodes", () => {
    expect(count(1, "node")).toBe("1 node");
    expect(count(0, "node")).toBe("0 nodes");
    expect(count(1234, "task")).toBe("1,234 tasks");
    expect(count(2, "CA request")).toBe("2 CA requests");
    expect(count(1, "entry", "entries")).toBe("1 entry");
    expect(count(3, "entry", "entries")).toBe("3 entries");
  });
});
