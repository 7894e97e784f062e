import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { EnvelopeError, peekEnvelope, signEnvelope, verifyEnvelope, type TaskResult } from "./protocol";

const result: TaskResult = { v: 1, type: "result", topology: "t1", run: "r1", task: "store-root:40-1", node: "40-1", attempt: 1, outcome: "succeeded", at: 1 };

describe("envelopes", () => {
  it.each([
    ["EC P-256", () => generateKeyPairSync("ec", { namedCurve: "P-256" })],
    ["EC P-384", () => generateKeyPairSync("ec", { namedCurve: "P-384" })],
    ["RSA 2048", () => generateKeyPairSync("rsa", { modulusLength: 2048 })],
  ])("%s: signed, verified, and refused under another key", async (_name, make) => {
    const a = make();
    const b = make();
    const jws = await signEnvelope(result, a.privateKey);
    expect(await verifyEnvelope(jws, [b.publicKey, a.publicKey])).toEqual(result);
    await expect(verifyEnvelope(jws, [b.publicKey])).rejects.toThrow(EnvelopeError);
  });

  it("a relay that edits the payload breaks the signature", async () => {
    const k = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const [h, , s] = (await signEnvelope(result, k.privateKey)).split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...result, outcome: "failed" })).toString("base64url")}.${s}`;
    expect(peekEnvelope(forged)).toMatchObject({ outcome: "failed" });
    await expect(verifyEnvelope(forged, [k.publicKey])).rejects.toThrow("does not verify");
  });

  it.each([["not a jws"], ["a.b.c"], [`eyJhbGciOiJFUzI1NiJ9.${Buffer.from('{"v":1,"type":"result"}').toString("base64url")}.x`]])("malformed %s is refused with a reason", (jws) => {
    expect(() => peekEnvelope(jws)).toThrow(EnvelopeError);
  });
});
