/**
 * The URL space of one issuer's ACME server, `/acme/{issuer}/…` (docs/ACME.md). Absolute
 * URLs are built from the listener's base URL (lib/http/protocols.ts), so the JWS `url`
 * a client signs is compared with exactly what this server handed out.
 */
export interface AcmeUrls {
  base: string;
  directory: string;
  newNonce: string;
  newAccount: string;
  newOrder: string;
  revokeCert: string;
  keyChange: string;
  renewalInfo: string;
  account(id: string): string;
  orders(accountId: string): string;
  order(id: string): string;
  finalize(orderId: string): string;
  authz(id: string): string;
  challenge(id: string): string;
  certificate(id: string): string;
}

export function acmeUrls(baseUrl: string, issuer: string): AcmeUrls {
  const base = `${baseUrl}/acme/${encodeURIComponent(issuer)}`;
  return {
    base,
    directory: `${base}/directory`,
    newNonce: `${base}/new-nonce`,
    newAccount: `${base}/new-account`,
    newOrder: `${base}/new-order`,
    revokeCert: `${base}/revoke-cert`,
    keyChange: `${base}/key-change`,
    renewalInfo: `${base}/renewal-info`,
    account: (id) => `${base}/account/${id}`,
    orders: (id) => `${base}/account/${id}/orders`,
    order: (id) => `${base}/order/${id}`,
    finalize: (id) => `${base}/order/${id}/finalize`,
    authz: (id) => `${base}/authz/${id}`,
    challenge: (id) => `${base}/chall/${id}`,
    certificate: (id) => `${base}/cert/${id}`,
  };
}

/** The account id a `kid` names, or null when it is not one of this issuer's account URLs. */
export function accountIdFromKid(urls: AcmeUrls, kid: string): string | null {
  const prefix = `${urls.base}/account/`;
  if (!kid.startsWith(prefix)) return null;
  const id = kid.slice(prefix.length);
  return /^[a-z0-9]{1,40}$/i.test(id) ? id : null;
}
