import { InputError } from "../errors";
import { isMediaType } from "./mediaType";

/**
 * A request body of the given media type as text, size-capped while it is read (the declared
 * length first, then the bytes that arrive): 415 for another type, 413 past the cap.
 */
export async function readCappedBody(req: Request, mediaType: string, maxBytes: number): Promise<string> {
  return (await readCappedBytes(req, mediaType, maxBytes)).toString("utf8");
}

/** The same, as bytes (binary bodies: OCSP requests). */
export async function readCappedBytes(req: Request, mediaType: string, maxBytes: number): Promise<Buffer> {
  if (!isMediaType(req.headers.get("content-type"), mediaType)) throw new InputError("body", `send the request body as ${mediaType}`, 415);
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new InputError("body", `the request body is too large (${declared} bytes; at most ${maxBytes})`, 413);
  const reader = req.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw new InputError("body", `the request body is too large (more than ${maxBytes} bytes)`, 413);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
