/**
 * An ACME problem document (RFC 8555 6.7, RFC 7807): what every ACME failure becomes on
 * the wire, `application/problem+json` with `type` urn:ietf:params:acme:error:{type}.
 */
export class AcmeProblem extends Error {
  constructor(
    /** The short ACME error type: "malformed", "badNonce", "rejectedIdentifier", "unauthorized"… */
    public readonly type: string,
    public readonly detail: string,
    public readonly status: number = 400,
    /** Extra members: `subproblems`, `identifier`, `algorithms`. */
    public readonly extra: Record<string, unknown> = {},
    /** Response headers beside the document: Location (a key-change conflict), Retry-After. */
    public readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "AcmeProblem";
  }

  toJSON(): Record<string, unknown> {
    return { type: `urn:ietf:params:acme:error:${this.type}`, detail: this.detail, status: this.status, ...this.extra };
  }
}
