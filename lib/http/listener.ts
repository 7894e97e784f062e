import type { IncomingMessage, ServerResponse } from "node:http";
import { errorReply } from "../errors";
import { fastPath } from "./fastPath";
import { securityHeaders, type SecurityHeaderOptions } from "./securityHeaders";
import { stampTrustedHeaders } from "./trustedHeaders";

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<unknown> | unknown;

/**
 * server.ts's request listener: security headers on every response, the hot endpoints on
 * plain node:http (fastPath.ts), everything else to Next with the trusted headers set.
 */
export function requestListener(next: Handler, opts: SecurityHeaderOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const secure = securityHeaders(opts);
  return (req, res) => {
    secure(req, res);
    fastPath(req, res)
      .then((answered) => {
        if (answered) return;
        stampTrustedHeaders(req);
        return next(req, res);
      })
      .catch((err) => {
        const r = errorReply(err); // logs it
        if (!res.headersSent) res.writeHead(r.status, r.headers);
        res.end(r.body);
      });
  };
}
