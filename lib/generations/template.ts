import { InputError } from "../errors";
import { nextUrlProblem } from "./caInfo";

/**
 * The lineage's download URL template: an https URL holding `{n}`, e.g.
 * `https://127.0.0.1:8443/ca-info/{n}`. CA information n announces urlFor(template, n+1).
 */

export function urlFor(template: string, n: number): string {
  return template.replaceAll("{n}", String(n));
}

/** Throws InputError unless every generation's URL is a valid, canonical next URL. */
export function checkTemplate(template: unknown, field = "downloadUrlTemplate"): string {
  if (typeof template !== "string" || !template.includes("{n}")) throw new InputError(field, "the download URL template must contain {n}, e.g. https://downloads.example/ca-info/{n}");
  for (const n of [2, 10, 12345]) {
    const problem = nextUrlProblem(urlFor(template, n));
    if (problem) throw new InputError(field, `the download URL template gives an unusable URL for generation ${n}: ${problem}`);
  }
  return template;
}

/** The subjectAltName the download server's certificate needs for generation n's URL. */
export function sanFor(template: string, n: number): string {
  const host = new URL(urlFor(template, n)).hostname;
  if (host.startsWith("[")) return `IP:${host.slice(1, -1)}`;
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) ? `IP:${host}` : `DNS:${host}`;
}

export function hostOf(template: string, n: number): string {
  return new URL(urlFor(template, n)).hostname.replace(/^\[(.*)\]$/, "$1");
}
