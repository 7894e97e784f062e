import { KEY_TYPES, KEY_TYPE_LABELS } from "@/lib/pki/keyTypes";
import { Select } from "@/components/ui/Field";

/** The key types Rootline offers, from the one list lib/pki accepts. */
export function KeyTypeSelect({ defaultValue, invalid }: { defaultValue?: string; invalid?: boolean }) {
  return (
    <Select name="keyType" defaultValue={defaultValue ?? "ec-p256"} invalid={invalid}>
      {KEY_TYPES.map((t) => (
        <option key={t} value={t}>
          {KEY_TYPE_LABELS[t]}
        </option>
      ))}
    </Select>
  );
}
