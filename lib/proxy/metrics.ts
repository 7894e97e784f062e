/**
 * Counters and gauges in the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). Label values may come
 * from configuration (route names) or the network: they are escaped exactly as the
 * format says (\\, \", \n), so no value can end a sample line or start another.
 */

export type MetricType = "counter" | "gauge";
export interface MetricDef {
  type: MetricType;
  help: string;
}

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export const PROXY_METRICS: Record<string, MetricDef> = {
  rootline_proxy_connections_total: { type: "counter", help: "Client connections by route and decision." },
  rootline_proxy_bytes_total: { type: "counter", help: "Bytes forwarded by route and direction (upstream: client to upstream; downstream: back)." },
  rootline_proxy_open_connections: { type: "gauge", help: "Connections currently open, by route." },
  rootline_proxy_revocation_number: { type: "gauge", help: "The verified revocation number held per issuer (-1: none)." },
  rootline_proxy_revocation_refresh_total: { type: "counter", help: "Revocation data fetches by issuer, document (info, crl) and result." },
  rootline_proxy_reloads_total: { type: "counter", help: "Reloads of the policy or the proxy certificate, by what and result." },
};

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
// Names starting with __ are reserved for Prometheus itself.
const LABEL_NAME = /^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Series {
  key: string;
  value: number;
}

export class Metrics {
  private readonly defs = new Map<string, MetricDef>();
  private readonly series = new Map<string, Map<string, Series>>();

  constructor(defs: Record<string, MetricDef> = {}) {
    for (const [name, d] of Object.entries({ ...PROXY_METRICS, ...defs })) this.define(name, d.type, d.help);
  }

  define(name: string, type: MetricType, help: string): void {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    const old = this.defs.get(name);
    if (old && old.type !== type) throw new Error(`metric ${name} is a ${old.type}, not a ${type}`);
    this.defs.set(name, { type, help });
  }

  /** Counters only go up; on a gauge, a negative `by` decrements. */
  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    const def = this.defOrDefine(name, "counter");
    if (!Number.isFinite(by)) throw new Error(`${name}: increment must be finite`);
    if (def.type === "counter" && by < 0) throw new Error(`${name} is a counter: it cannot go down`);
    this.entry(name, labels).value += by;
  }

  set(name: string, labels: Record<string, string>, value: number): void {
    const def = this.defOrDefine(name, "gauge");
    if (def.type !== "gauge") throw new Error(`${name} is a counter: it cannot be set`);
    this.entry(name, labels).value = value;
  }

  render(): string {
    const out: string[] = [];
    for (const [name, def] of this.defs) {
      out.push(`# HELP ${name} ${escapeHelp(def.help)}`, `# TYPE ${name} ${def.type}`);
      for (const s of this.series.get(name)?.values() ?? []) out.push(`${s.key} ${formatValue(s.value)}`);
    }
    return out.join("\n") + "\n";
  }

  /** Every series by its rendered name-and-labels, e.g. `rootline_proxy_open_connections{route="a"}`. */
  snapshot(): Record<string, number> {
    const r: Record<string, number> = {};
    for (const m of this.series.values()) for (const s of m.values()) r[s.key] = s.value;
    return r;
  }

  private defOrDefine(name: string, type: MetricType): MetricDef {
    let def = this.defs.get(name);
    if (!def) {
      this.define(name, type, name.replace(/_/g, " "));
      def = this.defs.get(name)!;
    }
    return def;
  }

  private entry(name: string, labels: Record<string, string>): Series {
    const key = seriesKey(name, labels);
    let m = this.series.get(name);
    if (!m) this.series.set(name, (m = new Map()));
    let s = m.get(key);
    if (!s) m.set(key, (s = { key, value: 0 }));
    return s;
  }
}

/** Labels sorted by name, so one label set is one series whatever the caller's key order. */
function seriesKey(name: string, labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return name;
  for (const l of names) if (!LABEL_NAME.test(l)) throw new Error(`${name}: invalid label name ${JSON.stringify(l)}`);
  return `${name}{${names.map((l) => `${l}="${escapeLabelValue(String(labels[l]))}"`).join(",")}}`;
}

/** Lone UTF-16 surrogates cannot be written as UTF-8: replaced, so the output stays valid UTF-8. */
const wellFormed = (s: string): string => s.replace(/[\uD800-\uDFFF]/gu, "\uFFFD");

export function escapeLabelValue(v: string): string {
  return wellFormed(v).replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

function escapeHelp(h: string): string {
  return wellFormed(h).replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}
