import type { IncomingMessage } from "node:http";
import { InputError } from "../errors";
import { isMediaType } from "./mediaType";

/**
 * A request body of the given media type as text, size-capped while it is read (the declared
 * length first, then the bytes that arrive): 415 for another type, 413 past the cap.
 */
export async function readCappedBody(req: Request, mediaType: string, maxBytes: number): Promise<string> {
  return (await readCappedBytes(req, mediaType, maxBytes)).toString("utf8");
}

/** What is checked before a byte is read: the media type and the declared length. */
function checkHeaders(contentType: string | null | undefined, contentLength: string | null | undefined, mediaType: string, maxBytes: number): void {
  if (!isMediaType(contentType, mediaType)) throw new InputError("body", `send the request body as ${mediaType}`, 415);
  const declared = Number(contentLength ?? "0");
  if (declared > maxBytes) throw new InputError("body", `the request body is too large (${declared} bytes; at most ${maxBytes})`, 413);
}

const tooLarge = (maxBytes: number) => new InputError("body", `the request body is too large (more than ${maxBytes} bytes)`, 413);

/** The same, as bytes (binary bodies: OCSP requests). */
export async function readCappedBytes(req: Request, mediaType: string, maxBytes: number): Promise<Buffer> {
  checkHeaders(req.headers.get("content-type"), req.headers.get("content-length"), mediaType, maxBytes);
  const reader = req.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * readCappedBytes on plain node:http (the fast path's OCSP POSTs): a Web Request around the
 * stream costs more than the answer. Past the cap it stops reading; the caller answers 413
 * and closes the connection (the request was not read to its end).
 */
export function readCappedNodeBytes(req: IncomingMessage, mediaType: string, maxBytes: number): Promise<Buffer> {
  checkHeaders(req.headers["content-type"], req.headers["content-length"], mediaType, maxBytes);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= maxBytes) return void chunks.push(c);
      req.off("data", onData);
      req.pause();
      reject(tooLarge(maxBytes));
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}
