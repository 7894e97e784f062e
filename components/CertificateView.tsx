import type { CertificateDetails } from "@/lib/pki/certificate";
import { colonHex } from "@/lib/pki/fingerprint";

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-[11rem_1fr] gap-4 border-b border-slate-100 py-2 last:border-0">
      <dt className="text-sm text-slate-500">{label}</dt>
      <dd className="min-w-0 break-words text-sm text-slate-900">{children}</dd>
    </div>
  );
}

const utc = (d: Date) => d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");

/** Every field of a certificate, decoded on the server (lib/pki/decodeCertificate). */
export function CertificateView({ d }: { d: CertificateDetails }) {
  return (
    <dl data-testid="certificate-details">
      <Row label="Subject">{d.subject || <em>empty</em>}</Row>
      <Row label="Issuer">{d.issuer}</Row>
      <Row label="Serial number">
        <span className="font-mono">{d.serialDecimal}</span> <span className="font-mono text-xs text-slate-500">(0x {d.serialHex})</span>
      </Row>
      <Row label="Version">v{d.version}</Row>
      <Row label="Not before">{utc(d.notBefore)}</Row>
      <Row label="Not after">{utc(d.notAfter)}</Row>
      <Row label="Public key">
        {d.publicKey.description}
        <div className="font-mono text-xs text-slate-500">SPKI SHA-256 {colonHex(d.publicKey.spkiSha256)}</div>
      </Row>
      <Row label="Signature algorithm">
        {d.signatureAlgorithm.name} <span className="font-mono text-xs text-slate-500">{d.signatureAlgorithm.oid}</span>
      </Row>
      {d.sans.length > 0 && <Row label="Subject alt. names">{d.sans.join(", ")}</Row>}
      <Row label="Extensions">
        <ul className="space-y-1.5">
          {d.extensions.map((e) => (
            <li key={e.oid}>
              <span className="font-medium">{e.name}</span> {e.critical && <span className="text-xs font-semibold text-amber-700">critical</span>}{" "}
              <span className="font-mono text-xs text-slate-400">{e.oid}</span>
              <div className="font-mono text-xs text-slate-700">{e.text}</div>
            </li>
          ))}
        </ul>
      </Row>
      <Row label="SHA-256 fingerprint"><span className="font-mono text-xs">{colonHex(d.fingerprints.sha256)}</span></Row>
      <Row label="SHA-1 fingerprint"><span className="font-mono text-xs">{colonHex(d.fingerprints.sha1)}</span></Row>
    </dl>
  );
}
