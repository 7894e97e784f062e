import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../files/atomic";
import { httpGet } from "../device/http";
import { revocationUrl } from "../device/remote";
import { trustedCaOf, type DeviceState, type TrustedCa } from "../device/state";
import { applySigned } from "../device/update";
import { parseCrl, verifyCrlSignature } from "../pki/crl";

/**
 * One issuer's revocation data as the proxy holds it (issue 11): the signed revocation
 * information (RN) under the device library's rules, and the issuer's CRL for clients of
 * issuers without RNs. Whatever arrives is judged before it replaces the last good copy;
 * a failure of any kind keeps that copy. The copy is kept on disk (atomically) so a
 * restart while the repository is down still refuses what was revoked.
 *
 * Fail closed: with neither a verified RN nor an unexpired CRL, check() says unverified.
 */

export interface RevocationSourceConfig {
  /** Repository base URL, e.g. http://127.0.0.1:3000/api/repository */
  repository: string;
  issuer: string;
  /** The issuer's CA certificate (DER or PEM): the only key documents are verified with. */
  caCertDer: Uint8Array | string;
  dataDir: string;
  fetchTimeoutMs?: number;
  now?: () => Date;
}

export type DocResult = "updated" | "unchanged" | "rejected" | "unreachable";
export type RefreshResult = { info: DocResult; crl: DocResult; detail?: string };
export interface RevocationCheck {
  revoked: boolean;
  unverified: boolean;
  reason: string;
}
export interface RevocationSnapshot {
  issuer: string;
  revocationNumber: string | null;
  crlNumber: string | null;
  crlNextUpdate: string | null;
  lastRefreshAt: string | null;
  lastResult: RefreshResult | null;
  /** Why (part of) the state found on disk at open() was not trusted; null when all of it was. */
  loadProblem: string | null;
}

/** A 100k-entry CRL is ~3 MB; the cap only stops a hostile endless body. */
export const MAX_CRL_BYTES = 64 * 1024 * 1024;
/** How far a CRL's thisUpdate may lie ahead of our clock (clocks differ a little). */
export const CRL_CLOCK_SKEW_MS = 5 * 60_000;

interface HeldCrl {
  der: Uint8Array;
  number: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  serials: ReadonlySet<bigint>;
}

/** The persisted form. RN and CRL number are stored beside the documents and must agree with them. */
interface StateFile {
  version: 1;
  issuer: string;
  revocationInfo: string | null;
  revocationNumber: string | null;
  crl: string | null;
  crlNumber: string | null;
  lastRefreshAt: string | null;
}

export const revocationStateFile = (dataDir: string, issuer: string): string => path.join(dataDir, `revocation-${issuer}.json`);

export class IssuerRevocation {
  readonly issuer: string;
  private readonly now: () => Date;
  private readonly file: string;
  private readonly infoUrl: URL;
  private readonly crlUrl: URL;
  /** A device state holding the one CA; its RN is meaningful only once `info` is set. */
  private state: DeviceState;
  private info: Uint8Array | null = null;
  private crl: HeldCrl | null = null;
  private lastRefreshAt: string | null = null;
  private lastResult: RefreshResult | null = null;
  private loadProblem: string | null = null;
  private inFlight: Promise<RefreshResult> | null = null;

  private constructor(private readonly c: RevocationSourceConfig) {
    this.issuer = c.issuer;
    this.now = c.now ?? (() => new Date());
    this.infoUrl = revocationUrl({ repository: c.repository, issuer: c.issuer }); // validates both
    this.crlUrl = new URL("crl", this.infoUrl);
    this.state = { cas: [trustedCaOf(c.caCertDer, 0n, c.issuer, "caCertificate")] };
    this.file = revocationStateFile(c.dataDir, c.issuer);
  }

  /** Builds the holder and loads the last good copy from disk, verifying it again. */
  static async open(c: RevocationSourceConfig): Promise<IssuerRevocation> {
    const r = new IssuerRevocation(c);
    await mkdir(c.dataDir, { recursive: true });
    await r.load();
    return r;
  }

  private get ca(): TrustedCa {
    return this.state.cas[0];
  }

  /** Fetches both documents; concurrent callers share one fetch. Never throws. */
  refresh(): Promise<RefreshResult> {
    this.inFlight ??= this.fetchBoth()
      .catch((e: unknown): RefreshResult => {
        // A bug must not take the refresh loop down; the last good copy stays in force.
        this.lastResult = { info: "rejected", crl: "rejected", detail: `refresh failed: ${e instanceof Error ? e.message : String(e)}` };
        return this.lastResult;
      })
      .finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  check(serial: bigint): RevocationCheck {
    const now = this.now();
    const rn = this.info ? this.ca.revocationNumber : null;
    const crl = this.crl && this.crl.nextUpdate.getTime() > now.getTime() ? this.crl : null;
    if (rn === null && crl === null) {
      const why = this.crl ? `the CRL expired at ${this.crl.nextUpdate.toISOString()}` : "no CRL";
      return { revoked: false, unverified: true, reason: `no verified revocation data for issuer "${this.issuer}" (no revocation number, ${why})` };
    }
    if (rn !== null && serial < rn) return { revoked: true, unverified: false, reason: `serial ${serial} is below revocation number ${rn} of issuer "${this.issuer}"` };
    if (crl?.serials.has(serial)) return { revoked: true, unverified: false, reason: `serial ${serial} is listed in CRL number ${crl.number} of issuer "${this.issuer}"` };
    const basis = [rn !== null ? `revocation number ${rn}` : null, crl ? `CRL number ${crl.number}` : null].filter(Boolean).join(", ");
    return { revoked: false, unverified: false, reason: `serial ${serial} is not revoked (${basis})` };
  }

  snapshot(): RevocationSnapshot {
    return {
      issuer: this.issuer,
      revocationNumber: this.info ? String(this.ca.revocationNumber) : null,
      crlNumber: this.crl ? String(this.crl.number) : null,
      crlNextUpdate: this.crl?.nextUpdate.toISOString() ?? null,
      lastRefreshAt: this.lastRefreshAt,
      lastResult: this.lastResult,
      loadProblem: this.loadProblem,
    };
  }

  // ------------------------------------------------------------ refresh

  private async fetchBoth(): Promise<RefreshResult> {
    const timeoutMs = this.c.fetchTimeoutMs;
    const [infoBody, crlBody] = await Promise.all([httpGet(this.infoUrl, { timeoutMs }), httpGet(this.crlUrl, { timeoutMs, maxBytes: MAX_CRL_BYTES })]);
    const details: string[] = [];
    let info: DocResult;
    if (!infoBody.ok) {
      info = infoBody.failure === "unreachable" ? "unreachable" : "rejected";
      details.push(`revocation info: ${infoBody.detail}`);
    } else {
      const r = this.acceptInfo(infoBody.body);
      info = r.result;
      if (r.detail) details.push(`revocation info: ${r.detail}`);
    }
    let crl: DocResult;
    if (!crlBody.ok) {
      crl = crlBody.failure === "unreachable" ? "unreachable" : "rejected";
      details.push(`CRL: ${crlBody.detail}`);
    } else {
      const r = this.acceptCrl(crlBody.body);
      crl = r.result;
      if (r.detail) details.push(`CRL: ${r.detail}`);
    }
    this.lastRefreshAt = this.now().toISOString();
    if (info === "updated" || crl === "updated") {
      try {
        await this.save();
      } catch (e) {
        // Still applied in memory: refusing fresh revocations because a disk is full would be worse.
        details.push(`state not saved: ${(e as Error).message}`);
      }
    }
    this.lastResult = details.length ? { info, crl, detail: details.join("; ") } : { info, crl };
    return this.lastResult;
  }

  /** The device library's first-form rules: signature by this CA, this issuer, RN never lowered. */
  private acceptInfo(body: Uint8Array): { result: DocResult; detail?: string } {
    const { state, outcome } = applySigned(this.state, body, this.issuer);
    switch (outcome.result) {
      case "updated":
        this.state = state;
        this.info = new Uint8Array(body);
        return { result: "updated" };
      case "unchanged":
        // The first verified statement is news even when its RN is the 0 we started from.
        if (this.info) return { result: "unchanged" };
        this.info = new Uint8Array(body);
        return { result: "updated" };
      default:
        return { result: "rejected", detail: `${outcome.result}${outcome.detail ? `: ${outcome.detail}` : ""}` };
    }
  }

  private acceptCrl(body: Uint8Array): { result: DocResult; detail?: string } {
    const v = this.verifyCrl(body, this.now());
    if (!v.ok) return { result: "rejected", detail: v.detail };
    const held = this.crl;
    if (held && v.crl.number < held.number) return { result: "rejected", detail: `CRL number ${v.crl.number} is lower than the held ${held.number}` };
    if (held && v.crl.number === held.number) return { result: "unchanged" };
    this.crl = v.crl;
    return { result: "updated" };
  }

  /** Signature, issuer, times, CRL number. `now` null: times are not judged (loading from disk). */
  private verifyCrl(body: Uint8Array, now: Date | null): { ok: true; crl: HeldCrl } | { ok: false; detail: string } {
    let parsed;
    try {
      parsed = parseCrl(body);
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
    let good: boolean;
    try {
      good = verifyCrlSignature(parsed, this.ca.certificate);
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
    if (!good) return { ok: false, detail: "the signature does not verify with the CA key (or the CRL names another issuer)" };
    if (!parsed.nextUpdate) return { ok: false, detail: "the CRL has no nextUpdate" };
    if (parsed.crlNumber === null) return { ok: false, detail: "the CRL has no CRL number" };
    if (now) {
      if (parsed.nextUpdate.getTime() <= now.getTime()) return { ok: false, detail: `the CRL expired at ${parsed.nextUpdate.toISOString()} (nextUpdate)` };
      if (parsed.thisUpdate.getTime() > now.getTime() + CRL_CLOCK_SKEW_MS) return { ok: false, detail: `the CRL's thisUpdate ${parsed.thisUpdate.toISOString()} is in the future` };
    }
    const der = new Uint8Array(parsed.der);
    return { ok: true, crl: { der, number: parsed.crlNumber, thisUpdate: parsed.thisUpdate, nextUpdate: parsed.nextUpdate, serials: new Set(parsed.entries.map((e) => e.serial)) } };
  }

  // ------------------------------------------------------------ persistence

  private async save(): Promise<void> {
    const f: StateFile = {
      version: 1,
      issuer: this.issuer,
      revocationInfo: this.info ? Buffer.from(this.info).toString("base64") : null,
      revocationNumber: this.info ? String(this.ca.revocationNumber) : null,
      crl: this.crl ? Buffer.from(this.crl.der).toString("base64") : null,
      crlNumber: this.crl ? String(this.crl.number) : null,
      lastRefreshAt: this.lastRefreshAt,
    };
    await writeFileAtomic(this.file, JSON.stringify(f) + "\n", 0o600);
  }

  /**
   * Everything on disk is verified again as if just fetched (bar the CRL's dates: an
   * expired CRL still fixes the lowest acceptable CRL number). Whatever fails is ignored
   * and said in `loadProblem`; the rest is kept.
   */
  private async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") this.loadProblem = `state file unreadable: ${(e as Error).message}`;
      return;
    }
    let f: Partial<StateFile>;
    try {
      f = JSON.parse(text) as Partial<StateFile>;
      if (!f || typeof f !== "object" || f.version !== 1) throw new Error("not a version 1 state file");
      if (f.issuer !== this.issuer) throw new Error(`it is for issuer ${JSON.stringify(f.issuer)}`);
    } catch (e) {
      this.loadProblem = `state file ignored: ${(e as Error).message}`;
      return;
    }
    const problems: string[] = [];
    if (typeof f.revocationInfo === "string") {
      const body = Buffer.from(f.revocationInfo, "base64");
      const { state, outcome } = applySigned(this.state, body, this.issuer);
      if (outcome.result !== "updated" && outcome.result !== "unchanged") problems.push(`stored revocation info ignored: ${outcome.result}${outcome.detail ? `: ${outcome.detail}` : ""}`);
      else if (String(outcome.revocationNumber) !== f.revocationNumber) problems.push(`stored revocation info ignored: it says RN ${outcome.revocationNumber}, the file ${f.revocationNumber}`);
      else {
        this.state = state;
        this.info = new Uint8Array(body);
      }
    }
    if (typeof f.crl === "string") {
      const v = this.verifyCrl(Buffer.from(f.crl, "base64"), null);
      if (!v.ok) problems.push(`stored CRL ignored: ${v.detail}`);
      else if (String(v.crl.number) !== f.crlNumber) problems.push(`stored CRL ignored: it is number ${v.crl.number}, the file says ${f.crlNumber}`);
      else this.crl = v.crl;
    }
    if (typeof f.lastRefreshAt === "string") this.lastRefreshAt = f.lastRefreshAt;
    this.loadProblem = problems.length ? problems.join("; ") : null;
  }
}
