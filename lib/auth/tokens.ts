import crypto from "node:crypto";

/** Random bearer secrets: 32 bytes, base64url, with a readable prefix for API tokens. */
export function newSecret(prefix = ""): string {
  return prefix + crypto.randomBytes(32).toString("base64url");
}

/** Only hashes of secrets are stored, so a database leak does not leak sessions or tokens. */
export function hashSecret(secret: string): string {
  return crypto.createHash("sha256").update(secret).digest("hex");
}
