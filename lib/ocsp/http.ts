import type { ProtocolHandler } from "../http/protocols";

// Placeholder until the ocsp handler lands: answers 404 so nothing pretends to work.
export const ocspHandler: ProtocolHandler = async () => new Response("not built yet\n", { status: 404, headers: { "Content-Type": "text/plain" } });
