/**
 * agent.json: a node's identity, addresses, links and route (docs/ROTATION_RUNS.md, "A node's
 * directory"). Written by `topology provision`, read by the agent; never changed by the agent.
 */
import { z } from "zod";

const NodeId = z.string().min(1).max(200);
const Address = z.object({ host: z.string().min(1).max(255), port: z.number().int().min(1).max(65_535) }).strict();

export const AgentLink = z
  .object({
    peer: NodeId,
    /** This node's role on the link. */
    role: z.enum(["client", "server"]),
    group: z.string().min(1).max(200),
    auth: z.enum(["mutual", "one-way"]),
    /** The peer's listen address: present when this node is the client. */
    address: Address.optional(),
  })
  .strict()
  .refine((l) => l.role !== "client" || l.address !== undefined, { message: "a client link needs the server's address", path: ["address"] });
export type AgentLink = z.infer<typeof AgentLink>;

export const AgentConfig = z
  .object({
    version: z.literal(1),
    topology: z.string().min(1).max(100),
    node: NodeId,
    caUrl: z.string().min(1).max(2000),
    /** The CA reaches this node directly (it polls the CA itself). */
    direct: z.boolean(),
    /** Null for a node that does not accept connections. */
    listen: Address.nullable(),
    links: z.array(AgentLink).max(10_000),
    /** Route from a direct node to this node; the last element is `node`. */
    route: z.array(NodeId).min(1).max(64),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.route[c.route.length - 1] !== c.node) ctx.addIssue({ code: "custom", path: ["route"], message: "the route must end at this node" });
    if (c.direct !== (c.route.length === 1)) ctx.addIssue({ code: "custom", path: ["direct"], message: "a direct node's route is [node] and only its" });
    if (c.listen === null && c.links.some((l) => l.role === "server")) ctx.addIssue({ code: "custom", path: ["listen"], message: "a node that is a server on a link needs a listen address" });
  });
export type AgentConfig = z.infer<typeof AgentConfig>;

export class AgentConfigError extends Error {}

/** Parses agent.json text (or an already parsed value); throws AgentConfigError with every issue. */
export function parseAgentConfig(input: string | unknown): AgentConfig {
  let json: unknown = input;
  if (typeof input === "string") {
    try {
      json = JSON.parse(input);
    } catch (e) {
      throw new AgentConfigError(`agent.json is not JSON: ${(e as Error).message}`);
    }
  }
  const r = AgentConfig.safeParse(json);
  if (!r.success) throw new AgentConfigError(`agent.json: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  return r.data;
}
