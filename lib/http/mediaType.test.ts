import { describe, expect, it } from "vitest";
import { z } from "zod";
import { readJson } from "./api";
import { mediaType } from "./mediaType";

describe("Content-Type is parsed as a media type, not searched", () => {
  it.each([
    ["application/json", "application/json"],
    ["Application/JSON; charset=utf-8", "application/json"],
    ["  application/json ;charset=UTF-8", "application/json"],
    ["text/plain; x=application/json", "text/plain"],
    ["application/jsonp", "application/jsonp"],
    ["application/json-seq", "application/json-seq"],
    ["application", null],
    ["/json", null],
    ["application/json x", null],
    ["", null],
    [null, null],
  ])("%j → %j", (header, expected) => {
    expect(mediaType(header)).toBe(expected);
  });

  const post = (contentType: string) => new Request("http://x/api/v1/certificates", { method: "POST", headers: { "Content-Type": contentType }, body: '{"a":"b"}' });
  it.each(["text/plain; x=application/json", "application/jsonp", "text/application/json", "multipart/form-data; boundary=application/json"])("the API refuses %j with 415", async (ct) => {
    await expect(readJson(post(ct), z.object({ a: z.string() }))).rejects.toMatchObject({ status: 415, field: "body" });
  });

  it("the API accepts JSON with parameters and any case", async () => {
    expect(await readJson(post("Application/Json; charset=utf-8"), z.object({ a: z.string() }))).toEqual({ a: "b" });
  });
});
