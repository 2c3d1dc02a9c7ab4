// The standard rich error details (`google.rpc.Status` details in `grpc-status-details-bin`)
// a screen can show: the stable reason code (`ErrorInfo`), the fields at fault (`BadRequest`),
// how long to wait (`RetryInfo`) and a localized sentence (`LocalizedMessage`).
//
// The google.rpc messages are not among the hub's protos, so they are read here with the
// protobuf wire reader — a handful of fields, decoded leniently: a detail that does not parse
// is left out, never thrown.

import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { ConnectError } from "@connectrpc/connect";

/** A request field the hub refused (`google.rpc.BadRequest.FieldViolation`). */
export interface FieldViolation {
  /** Field path, e.g. `citizen.rrn`. The value itself is never echoed. */
  field: string;
  description: string;
  reason: string;
}

/** What a screen needs from an error's details; empty when the hub sent none. */
export interface ErrorDetails {
  /** `ErrorInfo.reason`, e.g. `PURPOSE_REQUIRED`: the contract (the sentences are not). */
  reason?: string;
  domain?: string;
  metadata: Record<string, string>;
  fieldViolations: FieldViolation[];
  /** `RetryInfo.retry_delay` in milliseconds, when retrying helps. */
  retryDelayMs?: number;
  /** `LocalizedMessage`, e.g. `{locale: "ko", message: "…"}`. */
  localized?: { locale: string; message: string };
}

/** Reads `(field number → handler)` over one message's bytes, skipping unknown fields. */
function fields(bytes: Uint8Array, on: (no: number, r: BinaryReader, wt: WireType) => boolean): void {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (!on(no, r, wt)) r.skip(wt, no);
  }
}

function strings(bytes: Uint8Array, want: number[]): Map<number, string> {
  const out = new Map<number, string>();
  fields(bytes, (no, r, wt) => {
    if (wt !== WireType.LengthDelimited || !want.includes(no)) return false;
    out.set(no, r.string());
    return true;
  });
  return out;
}

function readErrorInfo(bytes: Uint8Array, into: ErrorDetails): void {
  fields(bytes, (no, r, wt) => {
    if (wt !== WireType.LengthDelimited) return false;
    if (no === 1) into.reason = r.string();
    else if (no === 2) into.domain = r.string();
    else if (no === 3) {
      const entry = strings(r.bytes(), [1, 2]);
      into.metadata[entry.get(1) ?? ""] = entry.get(2) ?? "";
    } else return false;
    return true;
  });
}

function readBadRequest(bytes: Uint8Array, into: ErrorDetails): void {
  fields(bytes, (no, r, wt) => {
    if (no !== 1 || wt !== WireType.LengthDelimited) return false;
    const v = strings(r.bytes(), [1, 2, 3]);
    into.fieldViolations.push({ field: v.get(1) ?? "", description: v.get(2) ?? "", reason: v.get(3) ?? "" });
    return true;
  });
}

function readRetryInfo(bytes: Uint8Array, into: ErrorDetails): void {
  fields(bytes, (no, r, wt) => {
    if (no !== 1 || wt !== WireType.LengthDelimited) return false;
    let seconds = 0;
    let nanos = 0;
    fields(r.bytes(), (dno, d, dwt) => {
      if (dwt !== WireType.Varint) return false;
      if (dno === 1) seconds = Number(d.int64());
      else if (dno === 2) nanos = d.int32();
      else return false;
      return true;
    });
    into.retryDelayMs = seconds * 1000 + Math.round(nanos / 1e6);
    return true;
  });
}

/** The rich details of `e` (any thrown value; non-Connect errors have none). */
export function errorDetails(e: unknown): ErrorDetails {
  const out: ErrorDetails = { metadata: {}, fieldViolations: [] };
  if (!(e instanceof ConnectError)) return out;
  for (const d of e.details) {
    if (!("type" in d)) continue;
    try {
      if (d.type === "google.rpc.ErrorInfo") readErrorInfo(d.value, out);
      else if (d.type === "google.rpc.BadRequest") readBadRequest(d.value, out);
      else if (d.type === "google.rpc.RetryInfo") readRetryInfo(d.value, out);
      else if (d.type === "google.rpc.LocalizedMessage") {
        const m = strings(d.value, [1, 2]);
        out.localized = { locale: m.get(1) ?? "", message: m.get(2) ?? "" };
      }
    } catch {
      // A malformed detail is left out: the status code and message still stand.
    }
  }
  return out;
}
