"use client";
import { Field, Input, Select } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { KeyTypeSelect } from "@/components/KeyTypeSelect";
import { KeyStorageField } from "@/components/KeyStorageField";
import { createLineageAction } from "../actions";

export function NewLineageForm({ tokenConfigured = false }: { tokenConfigured?: boolean }) {
  const { state, formAction: action, fe, v } = useFormAction(createLineageAction);
  return (
    <form action={action} className="space-y-6">
      {state.status === "error" && <Alert>{state.message}</Alert>}
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <Field label="Name" name="name" error={fe.name} hint="Generation n is the issuer <name>-n.">
          <Input name="name" defaultValue={v.name} required placeholder="fleet" invalid={!!fe.name} />
        </Field>
        <Field label="Key type" name="keyType" error={fe.keyType} hint="The key type of every generation's CA.">
          <KeyTypeSelect defaultValue={v.keyType} invalid={!!fe.keyType} />
        </Field>
        <KeyStorageField
          tokenConfigured={tokenConfigured}
          defaultValue={v.keyStorage}
          error={fe.keyStorage}
          tokenHint="Hardware token: the distribution key and every generation's CA key are generated in the PKCS#11 token and sign there; none of them ever leaves it."
        />
      </div>
      <Field
        label="Download URL template"
        name="downloadUrlTemplate"
        error={fe.downloadUrlTemplate}
        hint={<>An https URL holding <code>{"{n}"}</code>. CA information n announces the URL for n+1, where the download server serves it with a certificate of CA n.</>}
      >
        <Input name="downloadUrlTemplate" defaultValue={v.downloadUrlTemplate} required placeholder="https://downloads.example/ca-info/{n}" invalid={!!fe.downloadUrlTemplate} />
      </Field>
      <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
        <Field label="Distribution key" name="distributionKeyType" error={fe.distributionKeyType} hint="Long-lived; signs CA information only.">
          <Select name="distributionKeyType" defaultValue={v.distributionKeyType ?? "ec-p256"} invalid={!!fe.distributionKeyType}>
            <option value="ec-p256">ECDSA P-256</option>
            <option value="ec-p384">ECDSA P-384</option>
          </Select>
        </Field>
        <Field label="CA validity (days)" name="caValidityDays" error={fe.caValidityDays} hint="Each generation; 7305 days = 20 years.">
          <Input name="caValidityDays" type="number" min={2} defaultValue={v.caValidityDays ?? 7305} invalid={!!fe.caValidityDays} />
        </Field>
        <Field label="Lead time (days)" name="leadDays" error={fe.leadDays} hint="The next generation is created this long before the current one expires. Empty: 5 years, at most a quarter of the validity.">
          <Input name="leadDays" type="number" min={0} defaultValue={v.leadDays} placeholder="1826" invalid={!!fe.leadDays} />
        </Field>
      </div>
      <SubmitButton pendingText="Generating keys…">Create lineage</SubmitButton>
    </form>
  );
}
