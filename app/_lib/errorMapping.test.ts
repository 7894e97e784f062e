import { afterEach, describe, expect, it, vi } from "vitest";
import { cliFailure, ConflictError, DatabaseBusyError, errorReply, errorResponse, ForbiddenError, InputError, InputErrors, INTERNAL_ERROR_MESSAGE, NotFoundError } from "../../lib/errors";

// app/_lib/actions.ts guards itself against client bundles; this test is the server.
vi.mock("server-only", () => ({}));
const { formError } = await import("@/app/_lib/actions");

const JSON_NO_STORE = { "Content-Type": "application/json", "Cache-Control": "no-store" };

/** Each error and its three answers: HTTP (docs/openapi.yaml), CLI (lib/cli/cli.test.ts), form. */
const CASES: {
  err: unknown;
  status: number;
  body: object;
  headers: Record<string, string>;
  exitCode: number;
  stderr: string;
  fieldErrors: Record<string, string>;
}[] = [
  { err: new InputError("csr", "the CSR is not PEM"), status: 400, body: { error: "the CSR is not PEM", field: "csr" }, headers: JSON_NO_STORE, exitCode: 2, stderr: "rootline: csr: the CSR is not PEM", fieldErrors: { csr: "the CSR is not PEM" } },
  { err: new InputError("body", "too large", 413), status: 413, body: { error: "too large", field: "body" }, headers: JSON_NO_STORE, exitCode: 2, stderr: "rootline: body: too large", fieldErrors: { body: "too large" } },
  { err: new NotFoundError("issuer", "no issuer named x"), status: 404, body: { error: "no issuer named x", field: "issuer" }, headers: JSON_NO_STORE, exitCode: 2, stderr: "rootline: issuer: no issuer named x", fieldErrors: { issuer: "no issuer named x" } },
  { err: new ConflictError("serial", "already revoked"), status: 409, body: { error: "already revoked", field: "serial" }, headers: JSON_NO_STORE, exitCode: 2, stderr: "rootline: serial: already revoked", fieldErrors: { serial: "already revoked" } },
  {
    err: new DatabaseBusyError("busy", 3),
    status: 503,
    body: { error: "busy", field: "database" },
    headers: { ...JSON_NO_STORE, "Retry-After": "3" },
    exitCode: 75,
    stderr: "rootline: busy",
    fieldErrors: {},
  },
  {
    // Every field at fault reaches the form at once; HTTP and the CLI name the first field and list them all.
    err: new InputErrors([{ field: "subject.C", message: "C is 3 characters long" }, { field: "keyType", message: "unknown key type" }], "subject"),
    status: 400,
    body: { error: "subject.C: C is 3 characters long; keyType: unknown key type", field: "subject" },
    headers: JSON_NO_STORE,
    exitCode: 2,
    stderr: "rootline: subject: subject.C: C is 3 characters long; keyType: unknown key type",
    fieldErrors: { "subject.C": "C is 3 characters long", keyType: "unknown key type" },
  },
  { err: new ForbiddenError("users:manage"), status: 403, body: { error: "your role does not allow this (users:manage)" }, headers: JSON_NO_STORE, exitCode: 1, stderr: "rootline: your role does not allow this (users:manage)", fieldErrors: {} },
];

describe("the one mapping per surface (lib/errors.ts, formError)", () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(CASES.map((c) => [(c.err as Error).name, c] as const))("%s", async (_name, c) => {
    const reply = errorReply(c.err);
    expect(reply.status).toBe(c.status);
    expect(reply.headers).toEqual(c.headers);
    expect(JSON.parse(reply.body)).toEqual(c.body);

    const res = errorResponse(c.err);
    expect(res.status).toBe(c.status);
    expect(Object.fromEntries(res.headers)).toEqual(Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k.toLowerCase(), v])));
    expect(await res.json()).toEqual(c.body);

    expect(cliFailure(c.err)).toEqual({ exitCode: c.exitCode, message: c.stderr });

    const form = new FormData();
    form.set("name", "typed");
    form.set("password", "secret");
    expect(formError(c.err, form)).toEqual({ status: "error", message: (c.err as Error).message, fieldErrors: c.fieldErrors, values: { name: "typed" } });
  });

  it.each([[new Error("disk I/O error")], ["a thrown string"], [undefined]])("anything else (%j): 500 with a generic message, logged once", async (err) => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = errorResponse(err);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: INTERNAL_ERROR_MESSAGE });
    expect(res.headers.get("retry-after")).toBeNull();
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith(err);

    expect(cliFailure(err).exitCode).toBe(1);
    expect(cliFailure(err).message).toMatch(/^rootline: /);

    const state = formError(err);
    expect(state).toMatchObject({ status: "error", fieldErrors: {} });
    expect(state.message).not.toContain("disk");
  });

  it("lets Next's redirect through the form mapping (the topology editor's save relies on it)", async () => {
    const { redirect } = await import("next/navigation");
    let thrown: unknown;
    try {
      redirect("/signin");
    } catch (e) {
      thrown = e;
    }
    expect(() => formError(thrown)).toThrow(thrown as Error);
  });
});
