/**
 * The link protocol's lines (docs/ROTATION_RUNS.md, "Link protocol"): after the TLS handshake
 * the client sends one JSON line and the server answers one, and again on a kept-open connection. A server that refuses the client
 * answers a `reject` line instead, so the client can tell a refused certificate (fall back to
 * the old one) from a broken link.
 */
import type { Socket } from "node:net";
import { z } from "zod";

export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export const ExchangeLine = z.object({ type: z.literal("exchange"), node: z.string().min(1).max(200), envelopes: z.array(z.string().max(65_536)).max(100_000) }).strict();
export type ExchangeLine = z.infer<typeof ExchangeLine>;

export const RejectLine = z.object({ type: z.literal("reject"), node: z.string().max(200), reason: z.string().max(2000) }).strict();
export type RejectLine = z.infer<typeof RejectLine>;

export const LinkLine = z.discriminatedUnion("type", [ExchangeLine, RejectLine]);
export type LinkLine = z.infer<typeof LinkLine>;


/**
 * Reads the next line of a socket (without the newline); rejects on close, error or size. The
 * protocol is strictly one line each way in turn, so nothing follows a line until it is answered.
 */
export function readLine(socket: Socket, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err: Error | null, line?: string) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("close", onEnd);
      socket.off("error", onError);
      if (err) reject(err);
      else resolve(line!);
    };
    const onData = (chunk: Buffer) => {
      const nl = chunk.indexOf(10);
      if (nl >= 0) {
        chunks.push(chunk.subarray(0, nl));
        socket.pause();
        return done(null, Buffer.concat(chunks).toString("utf8"));
      }
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_LINE_BYTES) done(new Error("line too long"));
    };
    const onEnd = () => done(new Error("the connection closed before a line arrived"));
    const onError = (e: Error) => done(e);
    const timer = setTimeout(() => done(new Error(`no line within ${timeoutMs} ms`)), timeoutMs);
    socket.on("data", onData);
    // The previous line paused the socket; a kept-open connection reads again.
    socket.resume();
    socket.on("end", onEnd);
    socket.on("close", onEnd);
    socket.on("error", onError);
  });
}

export function parseLinkLine(text: string): LinkLine {
  return LinkLine.parse(JSON.parse(text));
}
