/** Rotation runs, CA side (docs/ROTATION_RUNS.md). Server-only: imports the database. */
export { bindGroup, type BindInput } from "./bind";
export { provisionTopology, type ProvisionInput, type ProvisionedNode } from "./provision";
export { startRun, type StartInput } from "./start";
export { resumeRun, tickRuns, type RunState, type TaskState } from "./engine";
export { runStatus, type RunStatus } from "./status";
export { handleAgentPoll, agentPollRoute } from "./agentApi";
export { startRunTimer } from "./timer";
