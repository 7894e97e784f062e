import { beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "@/lib/auth/apiTokens";
import { createUser } from "@/lib/auth/users";
import { issueCertificate } from "@/lib/certificates/issue";
import { requestFromCsr } from "@/lib/certificates/request";
import { createIssuer } from "@/lib/issuers/service";
import { makeCsr } from "@/lib/test/csr";
import * as renewal from "./[issuer]/[serial]/route";
import * as revocations from "../v1/issuers/[issuer]/revocations/route";
import * as complete from "../v1/issuers/[issuer]/revocations/[serial]/complete/route";
import * as renewals from "../v1/issuers/[issuer]/renewals/[serial]/route";

/**
 * Hostile path segments, as they arrive in the URL. Next.js decodes each dynamic segment
 * once before the handler sees it (that is what `decoded` reproduces); decoding again
 * turned "%25" into a URIError and a 500.
 */
const RAW = ["%25", "%00", "%2F..%2F", "%E2%9C%93", "%F0%9F%92%A9", "%25E2%25", "a".repeat(4000), "1".repeat(4000), "-1", "0x10", " 1"];
const decoded = RAW.map((r) => decodeURIComponent(r));

let bearer = "";
const admin = { kind: "cli", name: "t", role: "administrator" } as const;

beforeAll(async () => {
  await createIssuer(admin, { name: "params", keyType: "ec-p256" });
  await issueCertificate(admin, "params", await requestFromCsr({ csr: (await makeCsr("p.example")).pem }));
  const owner = await createUser(admin, { email: "pipeline@params.test", role: "operator", password: "a-long-password-123" });
  bearer = (await createApiToken(admin, { name: "params-test", role: "operator", owner: owner.email })).token;
});

const ctx = <P>(params: P) => ({ params: Promise.resolve(params) });
const post = (body: unknown, auth = false) =>
  new Request("http://localhost/x", { method: "POST", headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${bearer}` } : {}) }, body: JSON.stringify(body) });
const get = (auth = false) => new Request("http://localhost/x", { headers: auth ? { authorization: `Bearer ${bearer}` } : {} });

async function statusOf(res: Response) {
  const body = await res.json();
  // Never a 500, and always a JSON error naming what is wrong.
  expect(res.status, JSON.stringify(body).slice(0, 200)).toBeLessThan(500);
  return { status: res.status, body };
}

describe("route parameters are decoded once (by Next.js), never again", () => {
  it("GET /api/renewal/x/%25 and /api/renewal/%25/1 answer 400/404, not 500", async () => {
    expect((await statusOf(await renewal.GET(get(), ctx({ issuer: "x", serial: "%" })))).status).toBe(400);
    expect(await statusOf(await renewal.GET(get(), ctx({ issuer: "%", serial: "1" })))).toMatchObject({ status: 404, body: { field: "issuer" } });
    expect((await statusOf(await renewal.GET(get(), ctx({ issuer: "params", serial: "1" })))).body).toMatchObject({ pending: false, issuer: "params" });
  });

  it("POST /api/v1/issuers/%25/revocations answers 404, not 500", async () => {
    const r = await statusOf(await revocations.POST(post({ serial: "1", reason: "keyCompromise", order: "raise-first" }, true), ctx({ issuer: "%" })));
    expect(r).toMatchObject({ status: 404, body: { field: "issuer" } });
  });

  it("a name with % in it is looked up as it is, not decoded again", async () => {
    // "%2541" decoded twice would have been "A"; it must stay "%41".
    const r = await statusOf(await renewal.GET(get(), ctx({ issuer: "%41", serial: "1" })));
    expect(r).toMatchObject({ status: 404, body: { error: 'no issuer named "%41"' } });
  });

  it("every route, every hostile segment: 4xx or an honest answer, never 500", async () => {
    const csr = (await makeCsr("p.example")).pem;
    for (const seg of [...decoded, ...RAW]) {
      for (const [issuer, serial] of [[seg, "1"], ["params", seg], [seg, seg]]) {
        await statusOf(await renewal.GET(get(), ctx({ issuer, serial })));
        await statusOf(await renewal.POST(post({ csr, token: "rr_nope" }), ctx({ issuer, serial })));
        await statusOf(await revocations.GET(get(true), ctx({ issuer })));
        await statusOf(await complete.POST(post({ force: false }, true), ctx({ issuer, serial })));
        await statusOf(await renewals.POST(post({ csr }, true), ctx({ issuer, serial })));
      }
    }
  });
});
