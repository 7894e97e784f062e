import { z } from "zod";
import { InputError } from "../errors";
import { parseHostPort } from "../proxy/config";

/**
 * A registered proxy's routes as the app keeps them (what the operator configured the process
 * with: listen → upstream, SNI name). Addresses are checked with the proxy's own parser, so a
 * route the app accepts is one `rootline proxy --config` accepts too.
 */
export interface ProxyRoute {
  name: string;
  listen: string;
  upstream: string;
  servername?: string;
}

const hostPort = (what: string) =>
  z.string({ error: `${what} must be a string HOST:PORT` }).trim().superRefine((s, c) => {
    try {
      parseHostPort(s, what);
    } catch (e) {
      c.addIssue({ code: "custom", message: (e as Error).message });
    }
  });

const routeSchema = z.strictObject(
  {
    name: z.string({ error: "name must be a string" }).regex(/^[A-Za-z0-9._-]{1,64}$/, "a route name: 1–64 letters, digits, '.', '_', '-'"),
    listen: hostPort("listen"),
    upstream: hostPort("upstream"),
    servername: z.string({ error: "servername must be a string" }).trim().min(1, "servername must not be empty").max(253).optional(),
  },
  { error: 'a route is an object {"name", "listen", "upstream", "servername"?}' },
);
const routesSchema = z
  .array(routeSchema, { error: "routes must be a JSON array" })
  .max(64, "at most 64 routes")
  .superRefine((rs, c) => {
    const seen = new Set<string>();
    rs.forEach((r, i) => {
      if (seen.has(r.name)) c.addIssue({ code: "custom", path: [i, "name"], message: `route name "${r.name}" is used twice` });
      seen.add(r.name);
    });
  });

/** JSON text or a value → routes, or an InputError naming e.g. `routes[1].upstream`. */
export function parseRoutes(input: string | unknown, field = "routes"): ProxyRoute[] {
  let value = input;
  if (typeof input === "string") {
    if (!input.trim()) return [];
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new InputError(field, `not valid JSON: ${(e as Error).message}`);
    }
  }
  const r = routesSchema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path;
  const at = path.map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`)).join("");
  throw new InputError(`${field}${at}`, issue.code === "unrecognized_keys" ? `unknown key "${issue.keys[0]}"` : issue.message);
}
