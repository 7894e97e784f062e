export { appendAudit, appendAuditMany, verifyAuditLog, type AuditInput, type AuditVerdict } from "./log";
export { chainHash, verifyChain, GENESIS, type ChainVerdict } from "./chain";
export { AUDIT_ACTIONS, type AuditAction } from "./events";
export { actorLabel, type AuditActor } from "./actor";
