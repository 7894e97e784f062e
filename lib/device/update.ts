import { parseRevocationInfo, verifyRevocationInfo } from "../revocation-info/info";
import { MAX_REVOCATION_NUMBER } from "../revocation-info/infoDer";
import { judgeServerCertificate, type JudgeCode } from "./judge";
import { findCaByKey, learnIssuerName, raiseRevocationNumber, type DeviceState, type TrustedCa } from "./state";

/**
 * The terminal's update rules (seed 000, FIG. 16 and the second embodiment; SPEC 2.3),
 * as pure functions over (state, what was fetched). Network code lives in remote.ts;
 * keeping the decision pure lets the CLI apply it to the state as it is on disk under
 * the file lock, and lets tests drive it exhaustively.
 *
 * First form (signed):  verify with the CA key → store only a larger RN; a smaller one
 *   is discarded as false; an equal one changes nothing.
 * Second form (bare RN over TLS): the repository's certificate must be valid under the
 *   device's own judgement (its CA, signature, serial >= stored RN); then the RN is
 *   accepted only if  stored < new <= repository serial.  A number above the
 *   repository's own serial would declare the repository itself revoked, so it cannot
 *   have come from an honest repository: it is false.
 * Anything unreachable changes nothing.
 */

export type UpdateResult =
  | "updated"
  | "unchanged"
  | "rejected-smaller"
  | "rejected-above-repository"
  | "bad-signature"
  | "malformed"
  | "unknown-issuer"
  | "wrong-issuer"
  | "repository-rejected"
  | "unreachable";

export interface UpdateOutcome {
  result: UpdateResult;
  form: "signed" | "bare";
  /** Issuer name: the signed one, or the one asked for. */
  issuer: string | null;
  caKeySha256: string | null;
  /** The RN the device holds after this step (null when no trusted CA is concerned). */
  revocationNumber: bigint | null;
  /** The RN it held before. */
  previous: bigint | null;
  /** The RN that was offered, when one could be read. */
  received: bigint | null;
  /** Second form: the repository certificate's serial. */
  repositorySerial?: bigint;
  /** repository-rejected: how the repository's certificate failed the judgement. */
  code?: JudgeCode;
  detail?: string;
}

export type Decision = "updated" | "unchanged" | "rejected-smaller" | "rejected-above-repository";

/** The comparison itself. `ceiling` is the repository certificate's serial (second form only). */
export function decide(stored: bigint, received: bigint, ceiling?: bigint): Decision {
  if (received < stored) return "rejected-smaller";
  if (received === stored) return "unchanged";
  if (ceiling !== undefined && received > ceiling) return "rejected-above-repository";
  return "updated";
}

/** What the network step brought back (remote.ts). */
export type Fetched =
  | { kind: "unreachable"; form: UpdateOutcome["form"]; issuer: string; detail: string }
  | { kind: "too-large"; form: UpdateOutcome["form"]; issuer: string; detail: string }
  | { kind: "signed"; issuer: string; body: Uint8Array }
  /** Second form: the repository's certificate failed the judgement; nothing was requested. */
  | { kind: "repository-rejected"; issuer: string; code: JudgeCode; detail: string }
  /** Second form: the repository's CA is known under another issuer name; nothing was requested. */
  | { kind: "wrong-issuer"; issuer: string; detail: string }
  | { kind: "bare"; issuer: string; repositoryCertDer: Uint8Array; body: Uint8Array };

export interface Applied {
  state: DeviceState;
  outcome: UpdateOutcome;
}

const caByName = (state: DeviceState, name: string): TrustedCa | undefined => state.cas.find((c) => c.issuerName === name);

function noChange(state: DeviceState, form: UpdateOutcome["form"], result: UpdateResult, issuer: string | null, ca: TrustedCa | undefined, extra: Partial<UpdateOutcome> = {}): Applied {
  const rn = ca?.revocationNumber ?? null;
  return { state, outcome: { result, form, issuer, caKeySha256: ca?.keySha256 ?? null, revocationNumber: rn, previous: rn, received: null, ...extra } };
}

/** First form. `body` is the DER or JSON document as fetched. */
export function applySigned(state: DeviceState, body: Uint8Array, askedIssuer: string | null = null): Applied {
  // For reporting when the statement names no usable CA: the CA the caller asked about.
  const asked = askedIssuer === null ? undefined : caByName(state, askedIssuer);
  const parsed = parseRevocationInfo(body);
  if (!parsed.ok) return noChange(state, "signed", "malformed", askedIssuer, asked, { detail: parsed.detail });
  const keyHash = Buffer.from(parsed.value.fields.issuerKeySha256).toString("hex");
  const issuer = parsed.value.fields.issuerName;
  if (askedIssuer !== null && issuer !== askedIssuer) {
    // Authentic or not, it answers another question: B's statement must not stand in for A's.
    return noChange(state, "signed", "wrong-issuer", askedIssuer, asked, { detail: `the statement is for issuer "${issuer}", not "${askedIssuer}"` });
  }
  const ca = findCaByKey(state, keyHash);
  if (!ca) return noChange(state, "signed", "unknown-issuer", issuer, asked, { detail: `no trusted CA has the key ${keyHash}` });
  const v = verifyRevocationInfo(body, ca.certificate, askedIssuer ?? undefined);
  if (!v.ok) return noChange(state, "signed", v.error, issuer, ca, { detail: v.detail });

  const decision = decide(ca.revocationNumber, v.revocationNumber);
  const outcome: UpdateOutcome = {
    result: decision,
    form: "signed",
    issuer,
    caKeySha256: ca.keySha256,
    revocationNumber: decision === "updated" ? v.revocationNumber : ca.revocationNumber,
    previous: ca.revocationNumber,
    received: v.revocationNumber,
  };
  if (decision === "updated") return { state: raiseRevocationNumber(state, ca.keySha256, v.revocationNumber, issuer), outcome };
  // An authentic, current statement also tells which Rootline issuer name this key has.
  if (decision === "unchanged") return { state: learnIssuerName(state, ca.keySha256, issuer), outcome };
  return { state, outcome: { ...outcome, detail: `${v.revocationNumber} is smaller than the stored ${ca.revocationNumber}: discarded as false` } };
}

const BARE_BODY = /^(0|[1-9][0-9]{0,48})\r?\n?$/;

/**
 * Second form. The repository certificate is judged again here, against the state
 * being updated (the network step judged it against the state it started from).
 */
export async function applyBare(state: DeviceState, issuer: string, repositoryCertDer: Uint8Array, body: Uint8Array): Promise<Applied> {
  const j = await judgeServerCertificate(state, repositoryCertDer, { role: "repository" });
  if (!j.valid) return noChange(state, "bare", "repository-rejected", issuer, j.ca ?? caByName(state, issuer), { code: j.code, detail: j.detail });
  const ca = j.ca;
  const repositorySerial = j.certificate.serial;
  if (ca.issuerName !== null && ca.issuerName !== issuer) {
    return noChange(state, "bare", "wrong-issuer", issuer, ca, { repositorySerial, detail: `the repository's CA is issuer "${ca.issuerName}", not "${issuer}"` });
  }
  const text = Buffer.from(body).toString("latin1");
  const m = BARE_BODY.exec(text);
  const received = m ? BigInt(m[1]) : null;
  if (received === null || received > MAX_REVOCATION_NUMBER) {
    return noChange(state, "bare", "malformed", issuer, ca, { repositorySerial, detail: "the body is not a decimal revocation number" });
  }
  const decision = decide(ca.revocationNumber, received, repositorySerial);
  const outcome: UpdateOutcome = {
    result: decision,
    form: "bare",
    issuer,
    caKeySha256: ca.keySha256,
    revocationNumber: decision === "updated" ? received : ca.revocationNumber,
    previous: ca.revocationNumber,
    received,
    repositorySerial,
  };
  if (decision === "updated") return { state: raiseRevocationNumber(state, ca.keySha256, received), outcome };
  if (decision === "rejected-above-repository") {
    outcome.detail = `${received} is above the repository's own serial ${repositorySerial}: it would revoke the repository itself, so it is false`;
  } else if (decision === "rejected-smaller") {
    outcome.detail = `${received} is smaller than the stored ${ca.revocationNumber}: discarded as false`;
  }
  return { state, outcome };
}

export async function applyFetched(state: DeviceState, f: Fetched): Promise<Applied> {
  switch (f.kind) {
    case "signed":
      return applySigned(state, f.body, f.issuer);
    case "bare":
      return applyBare(state, f.issuer, f.repositoryCertDer, f.body);
    case "unreachable":
      return noChange(state, f.form, "unreachable", f.issuer, caByName(state, f.issuer), { detail: f.detail });
    case "too-large":
      return noChange(state, f.form, "malformed", f.issuer, caByName(state, f.issuer), { detail: f.detail });
    case "wrong-issuer":
      return noChange(state, "bare", "wrong-issuer", f.issuer, caByName(state, f.issuer), { detail: f.detail });
    case "repository-rejected":
      return noChange(state, "bare", "repository-rejected", f.issuer, caByName(state, f.issuer), { code: f.code, detail: f.detail });
  }
}
