import { Field, Select } from "@/components/ui/Field";
import { KEY_STORAGE_LABELS } from "@/lib/keys/types";

/**
 * Where new CA keys are generated: software (sealed with the master key) or the PKCS#11
 * token, offered only when one is configured. `tokenHint` says what goes into the token
 * (an issuer's key, or a lineage's distribution key and its generations' CA keys).
 */
const ISSUER_TOKEN_HINT = "Hardware token: the key is generated in the PKCS#11 token and signs there; it never leaves it (back the token up as its vendor says).";

export function KeyStorageField({ tokenConfigured, defaultValue, error, tokenHint = ISSUER_TOKEN_HINT }: { tokenConfigured: boolean; defaultValue?: string; error?: string; tokenHint?: string }) {
  return (
    <Field
      label="Key storage"
      name="keyStorage"
      error={error}
      hint={
        tokenConfigured
          ? tokenHint
          : "Hardware token: not available — no PKCS#11 token is configured (ROOTLINE_PKCS11_LIBRARY, ROOTLINE_PKCS11_TOKEN_LABEL, ROOTLINE_PKCS11_PIN; see docs/OPERATIONS.md)."
      }
    >
      <Select name="keyStorage" defaultValue={defaultValue ?? "software"} invalid={!!error}>
        <option value="software">{KEY_STORAGE_LABELS.software}</option>
        <option value="pkcs11" disabled={!tokenConfigured}>
          {KEY_STORAGE_LABELS.pkcs11}
          {tokenConfigured ? "" : " — not configured"}
        </option>
      </Select>
    </Field>
  );
}
