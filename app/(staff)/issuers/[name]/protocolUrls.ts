/**
 * Where clients reach this server's standard protocols, from the Host the operator's
 * browser used and the server's own settings (read on the server: never sent by a client).
 * - https: ROOTLINE_HTTPS_PORT's listener on the same host name (ACME and EST need TLS);
 *   null without one (or with port 0, chosen at start-up and unknown here).
 * - http: the plain listener (OCSP is plain HTTP): the request's own origin unless it came
 *   in over the HTTPS port, then the same host name on PORT.
 */
export function protocolBases(host: string | null, env: { ROOTLINE_HTTPS_PORT?: string; PORT?: string }): { https: string | null; http: string } {
  const url = new URL(`http://${host || "localhost"}`);
  const httpsPort = Number(env.ROOTLINE_HTTPS_PORT?.trim() || "0");
  const https = Number.isInteger(httpsPort) && httpsPort > 0 ? `https://${url.hostname}${httpsPort === 443 ? "" : `:${httpsPort}`}` : null;
  const overHttps = https !== null && Number(url.port || "80") === httpsPort;
  const httpPort = env.PORT?.trim() || "3000";
  return { https, http: overHttps ? `http://${url.hostname}:${httpPort}` : `http://${url.host}` };
}
