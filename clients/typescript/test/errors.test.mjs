// errorDetails: the google.rpc details a screen shows, read from a ConnectError as the
// gRPC-Web transport delivers them (type name + bytes). No hub needed.

import { test } from "node:test";
import assert from "node:assert/strict";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Code, ConnectError, errorDetails } from "../dist/index.js";

const withDetails = (...details) => {
  const e = new ConnectError("bad request", Code.InvalidArgument);
  e.details.push(...details);
  return e;
};

test("ErrorInfo gives the reason code, domain and metadata", () => {
  const w = new BinaryWriter().uint32((1 << 3) | 2).string("PURPOSE_REQUIRED");
  w.uint32((2 << 3) | 2).string("minwon.v1");
  w.uint32((3 << 3) | 2).bytes(new BinaryWriter().uint32((1 << 3) | 2).string("field").uint32((2 << 3) | 2).string("purpose").finish());
  const d = errorDetails(withDetails({ type: "google.rpc.ErrorInfo", value: w.finish() }));
  assert.equal(d.reason, "PURPOSE_REQUIRED");
  assert.equal(d.domain, "minwon.v1");
  assert.deepEqual(d.metadata, { field: "purpose" });
});

test("BadRequest field violations, RetryInfo and LocalizedMessage", () => {
  const violation = (field, description) =>
    new BinaryWriter().uint32((1 << 3) | 2).string(field).uint32((2 << 3) | 2).string(description).finish();
  const bad = new BinaryWriter()
    .uint32((1 << 3) | 2).bytes(violation("citizen.rrn", "not a resident registration number"))
    .uint32((1 << 3) | 2).bytes(violation("purpose.note", "at most 500 characters"))
    .finish();
  const duration = new BinaryWriter().uint32(1 << 3).int64(2).uint32(2 << 3).int32(500_000_000).finish();
  const retry = new BinaryWriter().uint32((1 << 3) | 2).bytes(duration).finish();
  const localized = new BinaryWriter().uint32((1 << 3) | 2).string("ko").uint32((2 << 3) | 2).string("조회 목적이 필요합니다").finish();
  const d = errorDetails(
    withDetails(
      { type: "google.rpc.BadRequest", value: bad },
      { type: "google.rpc.RetryInfo", value: retry },
      { type: "google.rpc.LocalizedMessage", value: localized },
      { type: "example.Unknown", value: new Uint8Array([1, 2, 3]) },
    ),
  );
  assert.deepEqual(d.fieldViolations, [
    { field: "citizen.rrn", description: "not a resident registration number", reason: "" },
    { field: "purpose.note", description: "at most 500 characters", reason: "" },
  ]);
  assert.equal(d.retryDelayMs, 2500);
  assert.deepEqual(d.localized, { locale: "ko", message: "조회 목적이 필요합니다" });
});

test("a malformed detail is left out; other errors have no details", () => {
  const d = errorDetails(withDetails({ type: "google.rpc.ErrorInfo", value: new Uint8Array([0x0a, 0x7f]) }));
  assert.equal(d.reason, undefined);
  assert.deepEqual(errorDetails(new Error("x")), { metadata: {}, fieldViolations: [] });
});
