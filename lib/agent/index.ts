/** The node agent (docs/ROTATION_RUNS.md): `rootline agent`, or many in one process. */
import type { NodeStatus } from "../rotation-run/protocol";
import { Agent, type AgentOptions } from "./agent";

export type { AgentOptions } from "./agent";
export { AgentConfig, parseAgentConfig, type AgentLink } from "./config";
export { writeNodeDirectory, type NodeDirectoryInit } from "./files";
export { sniName } from "./sni";

export interface RunningAgent {
  readonly node: string;
  /** The TLS listener's port (null for a node that does not accept connections). */
  readonly port: number | null;
  stop(): Promise<void>;
  status(): NodeStatus;
}

export async function startAgent(o: AgentOptions): Promise<RunningAgent> {
  const agent = await Agent.load(o);
  await agent.start();
  return { node: agent.config.node, port: agent.port, stop: () => agent.stop(), status: () => agent.status() };
}
