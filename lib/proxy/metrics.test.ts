import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeLabelValue, Metrics } from "./metrics";

/**
 * A strict reader of the text format 0.0.4, written from the format's description
 * (independently of metrics.ts): it throws on anything the grammar does not allow.
 */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
function parseExposition(text: string): { samples: Sample[]; types: Record<string, string>; help: Record<string, string> } {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a line feed");
  const samples: Sample[] = [];
  const types: Record<string, string> = {};
  const help: Record<string, string> = {};
  const finished = new Set<string>();
  let current: string | null = null;
  const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  const lines = text.slice(0, -1).split("\n");
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line))) {
      if (help[m[1]] !== undefined) throw new Error(`second HELP for ${m[1]}`);
      if (/\\[^\\n]|\\$/.test(m[2].replace(/\\\\/g, ""))) throw new Error(`bad escape in HELP: ${line}`);
      help[m[1]] = m[2];
      continue;
    }
    if ((m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line))) {
      if (types[m[1]] !== undefined) throw new Error(`second TYPE for ${m[1]}`);
      if (samples.some((s) => s.name === m![1])) throw new Error(`TYPE after samples of ${m[1]}`);
      types[m[1]] = m[2];
      continue;
    }
    if (line.startsWith("#")) throw new Error(`unexpected comment: ${line}`);
    // name, optional {labels}, one space, value; no timestamp from us.
    const nm = new RegExp(`^(${NAME})`).exec(line);
    if (!nm) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const name = nm[1];
    let i = name.length;
    const labels: Record<string, string> = {};
    if (line[i] === "{") {
      i++;
      while (line[i] !== "}") {
        const ln = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(i));
        if (!ln) throw new Error(`bad label at ${i}: ${JSON.stringify(line)}`);
        i += ln[0].length;
        let v = "";
        for (;;) {
          const c = line[i++];
          if (c === undefined) throw new Error(`unterminated label value: ${JSON.stringify(line)}`);
          if (c === '"') break;
          if (c === "\\") {
            const e = line[i++];
            if (e === "\\") v += "\\";
            else if (e === '"') v += '"';
            else if (e === "n") v += "\n";
            else throw new Error(`bad escape \\${e}`);
          } else v += c;
        }
        if (labels[ln[1]] !== undefined) throw new Error(`label ${ln[1]} twice`);
        labels[ln[1]] = v;
        if (line[i] === ",") i++;
        else if (line[i] !== "}") throw new Error(`expected , or } at ${i}: ${JSON.stringify(line)}`);
      }
      i++;
    }
    const rest = /^ (NaN|[+-]Inf|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/.exec(line.slice(i));
    if (!rest) throw new Error(`bad value: ${JSON.stringify(line)}`);
    if (current !== name) {
      if (finished.has(name)) throw new Error(`samples of ${name} are not contiguous`);
      if (current) finished.add(current);
      current = name;
    }
    if (!types[name]) throw new Error(`sample of ${name} without TYPE`);
    const value = rest[1] === "NaN" ? NaN : rest[1] === "+Inf" ? Infinity : rest[1] === "-Inf" ? -Infinity : Number(rest[1]);
    samples.push({ name, labels, value });
  }
  return { samples, types, help };
}

describe("Metrics", () => {
  it("renders the proxy's counters and gauges in the text format, with HELP and TYPE", () => {
    const m = new Metrics();
    m.inc("rootline_proxy_connections_total", { route: "billing", decision: "forwarded" });
    m.inc("rootline_proxy_connections_total", { decision: "forwarded", route: "billing" }, 2); // same series, other key order
    m.inc("rootline_proxy_bytes_total", { route: "billing", direction: "upstream" }, 1500);
    m.inc("rootline_proxy_open_connections", { route: "billing" });
    m.inc("rootline_proxy_open_connections", { route: "billing" }, -1);
    m.set("rootline_proxy_revocation_number", { issuer: "ca" }, 42);
    m.inc("rootline_proxy_revocation_refresh_total", { issuer: "ca", document: "crl", result: "rejected" });
    m.inc("rootline_proxy_reloads_total", { what: "policy", result: "ok" });
    m.inc("custom_events_total");
    const p = parseExposition(m.render());
    expect(p.types).toMatchObject({ rootline_proxy_connections_total: "counter", rootline_proxy_open_connections: "gauge", rootline_proxy_revocation_number: "gauge", custom_events_total: "counter" });
    expect(Object.keys(p.help)).toEqual(Object.keys(p.types));
    expect(p.samples).toContainEqual({ name: "rootline_proxy_connections_total", labels: { decision: "forwarded", route: "billing" }, value: 3 });
    expect(p.samples).toContainEqual({ name: "rootline_proxy_open_connections", labels: { route: "billing" }, value: 0 });
    expect(p.samples).toContainEqual({ name: "custom_events_total", labels: {}, value: 1 });
    expect(m.snapshot()).toMatchObject({
      'rootline_proxy_connections_total{decision="forwarded",route="billing"}': 3,
      'rootline_proxy_revocation_number{issuer="ca"}': 42,
      custom_events_total: 1,
    });
  });

  it("escapes hostile label values and help texts; nothing can inject a line", () => {
    const m = new Metrics();
    const hostile = ['a"} 1\nfake_metric 99\n', "back\\slash\\", 'quote"', "\\n literal", "line\nbreak", "\r\ttab", "ünï©ødé 🚀", "lone \uD800 surrogate", ""];
    for (const h of hostile) m.inc("rootline_proxy_connections_total", { route: h, decision: "refused-policy" });
    m.define("weird_help", "gauge", "help with \\ and\nnewline");
    m.set("weird_help", {}, NaN);
    const text = m.render();
    const p = parseExposition(text);
    expect(p.samples.map((s) => s.name)).not.toContain("fake_metric");
    const routes = p.samples.filter((s) => s.name === "rootline_proxy_connections_total").map((s) => s.labels.route);
    expect(routes).toEqual(hostile.map((h) => h.replace(/[\uD800-\uDFFF]/gu, "\uFFFD")));
    expect(p.help.weird_help).toBe("help with \\\\ and\\nnewline");
    expect(p.samples.find((s) => s.name === "weird_help")?.value).toBeNaN();
    expect(Buffer.from(text, "utf8").toString("utf8")).toBe(text); // valid UTF-8 round trip
  });

  it("any label value round-trips through the format (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), (a, b) => {
        const m = new Metrics();
        m.inc("t_total", { a, b });
        const [s] = parseExposition(m.render()).samples;
        expect(s.labels).toEqual({ a: a.replace(/[\uD800-\uDFFF]/gu, "\uFFFD"), b });
      }),
    );
    expect(escapeLabelValue('\\"\n')).toBe('\\\\\\"\\n');
  });

  it("refuses what the format or the type cannot carry", () => {
    const m = new Metrics();
    expect(() => m.inc("bad-name")).toThrow(/metric name/);
    expect(() => m.inc("ok_total", { "bad-label": "x" })).toThrow(/label name/);
    expect(() => m.inc("ok_total", { __reserved: "x" })).toThrow(/label name/);
    expect(() => m.inc("rootline_proxy_connections_total", {}, -1)).toThrow(/cannot go down/);
    expect(() => m.set("rootline_proxy_connections_total", {}, 5)).toThrow(/cannot be set/);
    expect(() => m.define("rootline_proxy_open_connections", "counter", "x")).toThrow(/is a gauge/);
  });
});
