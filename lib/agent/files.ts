/**
 * A node's directory as provisioning leaves it (docs/ROTATION_RUNS.md, "A node's directory").
 * Called by `topology provision` (lib/rotation-run); the agent then owns cert.pem, roots.pem,
 * store.json and writes handshakes.jsonl and status.json.
 */
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../files/atomic";
import { AgentConfig } from "./config";
import { saveStore, type NodeStore } from "./store";

export const KEY_FILE = "key.pem";
export const CONFIG_FILE = "agent.json";

export interface NodeDirectoryInit {
  keyPem: string;
  config: AgentConfig;
  groups: Record<string, { roots: string[]; certificates: string[] }>;
}

export async function writeNodeDirectory(dir: string, init: NodeDirectoryInit): Promise<void> {
  const config = AgentConfig.parse(init.config);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await writeFileAtomic(join(dir, KEY_FILE), init.keyPem.trim() + "\n", 0o600);
  await writeFileAtomic(join(dir, CONFIG_FILE), JSON.stringify(config, null, 2) + "\n", 0o644);
  const store: NodeStore = {
    version: 1,
    groups: Object.fromEntries(Object.entries(init.groups).map(([g, s]) => [g, { roots: [...s.roots], certificates: [...s.certificates] }])),
    applied: {},
  };
  await saveStore(dir, store);
}
