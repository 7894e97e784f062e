export { appendAudit, appendAuditMany, verifyAuditLog, type AuditInput } from "./log";
export { chainHash, verifyChain, GENESIS, type ChainVerdict } from "./chain";
export { AUDIT_ACTIONS, type AuditAction } from "./events";
export { actorLabel, cliActor, SYSTEM, type Actor } from "./actor";
