// Pure data (no crypto imports), so browser components can list the key types too.
/** The key types Rootline generates, imports and certifies. Nothing else is accepted. */
export type KeyType = "ec-p256" | "ec-p384" | "rsa-2048" | "rsa-3072" | "rsa-4096";
export const KEY_TYPES: readonly KeyType[] = ["ec-p256", "ec-p384", "rsa-2048", "rsa-3072", "rsa-4096"];

export const KEY_TYPE_LABELS: Readonly<Record<KeyType, string>> = {
  "ec-p256": "ECDSA P-256",
  "ec-p384": "ECDSA P-384",
  "rsa-2048": "RSA 2048",
  "rsa-3072": "RSA 3072",
  "rsa-4096": "RSA 4096",
};
