// The minwon-hub TypeScript client: the generated messages and services (src/gen/, from
// ../../proto by `npm run generate`) plus the few helpers every caller needs — the bearer
// token, the citizen-token header, the caller's language and the purpose of a look-up.
//
// It speaks gRPC-Web (the hub's `tonic-web` layer), so the same code runs in a browser and in
// Node 20 (which has `fetch`).

import { create } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { AuditService } from "./gen/minwon/v1/audit_pb.js";
import { ConnectorAdminService } from "./gen/minwon/v1/admin_pb.js";
import { CitizenCaseService, CitizenQuerySchema, type CitizenQuery } from "./gen/minwon/v1/citizen_case_pb.js";
import {
  CitizenKeysSchema,
  PurposeCode,
  PurposeSchema,
  type CitizenKeys,
  type Purpose,
} from "./gen/minwon/v1/common_pb.js";
import { KnowledgeService } from "./gen/minwon/v1/knowledge_pb.js";
import { SelfService } from "./gen/minwon/v1/self_service_pb.js";

export * from "./gen/minwon/v1/admin_pb.js";
export * from "./gen/minwon/v1/audit_pb.js";
export * from "./gen/minwon/v1/citizen_case_pb.js";
export * from "./gen/minwon/v1/common_pb.js";
export * from "./gen/minwon/v1/knowledge_pb.js";
export * from "./gen/minwon/v1/self_service_pb.js";
export { ConnectError, Code } from "@connectrpc/connect";
export { errorDetails, type ErrorDetails, type FieldViolation } from "./errors.js";
/** Timestamps (`opened_at`, `updated_at`) to a `Date`. */
export { timestampDate } from "@bufbuild/protobuf/wkt";

/** The header a chatbot or SMS gateway sends a verified citizen's assertion in. */
export const CITIZEN_TOKEN_HEADER = "x-minwon-citizen-token";

/** The response header in which `GetCase` names the access record its answer wrote. */
export const AUDIT_ID_HEADER = "x-minwon-audit-id";

/** How to reach the hub and who is calling. */
export interface HubClientOptions {
  /** The hub's gRPC-Web base URL, e.g. `http://127.0.0.1:50051`. */
  baseUrl: string;
  /**
   * The caller's bearer token (staff or citizen), or a function returning it — a function is
   * asked on every call, so a screen can sign out or swap tokens without a new client.
   */
  token?: string | (() => string | undefined);
  /** A verified citizen's assertion, sent as `x-minwon-citizen-token` (chatbot, SMS). */
  citizenToken?: string | (() => string | undefined);
  /** Sent as `accept-language`, e.g. `ko`; the hub answers in Korean where it can. */
  language?: string;
  /** A transport of your own (tests, Node's HTTP/2); overrides `baseUrl`. */
  transport?: Transport;
}

/** One typed client per hub service, sharing one transport and the caller's headers. */
export interface HubClient {
  citizenCases: Client<typeof CitizenCaseService>;
  knowledge: Client<typeof KnowledgeService>;
  selfService: Client<typeof SelfService>;
  audit: Client<typeof AuditService>;
  connectorAdmin: Client<typeof ConnectorAdminService>;
  /** The transport underneath, for services added to the protos later. */
  transport: Transport;
}

function valueOf(v: string | (() => string | undefined) | undefined): string | undefined {
  return typeof v === "function" ? v() : v;
}

/**
 * An interceptor setting `authorization: Bearer …`, `x-minwon-citizen-token` and
 * `accept-language` from `opts` on every call; headers a call sets itself are kept.
 */
export function callerHeaders(opts: Pick<HubClientOptions, "token" | "citizenToken" | "language">): Interceptor {
  return (next) => async (req) => {
    const token = valueOf(opts.token);
    if (token && !req.header.has("authorization")) {
      req.header.set("authorization", `Bearer ${token}`);
    }
    const citizen = valueOf(opts.citizenToken);
    if (citizen && !req.header.has(CITIZEN_TOKEN_HEADER)) {
      req.header.set(CITIZEN_TOKEN_HEADER, citizen);
    }
    if (opts.language && !req.header.has("accept-language")) {
      req.header.set("accept-language", opts.language);
    }
    return next(req);
  };
}

/** Creates the clients for every hub service over gRPC-Web. */
export function createHubClient(opts: HubClientOptions): HubClient {
  const transport =
    opts.transport ??
    createGrpcWebTransport({ baseUrl: opts.baseUrl, interceptors: [callerHeaders(opts)] });
  return {
    citizenCases: createClient(CitizenCaseService, transport),
    knowledge: createClient(KnowledgeService, transport),
    selfService: createClient(SelfService, transport),
    audit: createClient(AuditService, transport),
    connectorAdmin: createClient(ConnectorAdminService, transport),
    transport,
  };
}

/** The headers of one call made as another caller (e.g. one request with an officer's token). */
export function bearer(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
}

/**
 * The purpose of a look-up. The hub refuses a look-up of personal data without one, so a
 * screen asks the counselor for it; `note` (e.g. the call ticket) is at most 500 characters.
 */
export function purpose(code: PurposeCode, note = ""): Purpose {
  if (code === PurposeCode.UNSPECIFIED) {
    throw new RangeError("a purpose code is required (PurposeCode.UNSPECIFIED is refused by the hub)");
  }
  if ([...note].length > 500) {
    throw new RangeError("a purpose note is at most 500 characters");
  }
  return create(PurposeSchema, { code, note });
}

/** The keys a citizen is looked up by; give any of them. */
export interface CitizenKeyInput {
  rrn?: string;
  vehicleNumbers?: string[];
  waterCustomerNo?: string;
}

/** A `CitizenQuery` from the citizen's keys and a purpose (see `purpose`). */
export function citizenQuery(keys: CitizenKeyInput, why: Purpose, sources: string[] = []): CitizenQuery {
  const citizen: CitizenKeys = create(CitizenKeysSchema, {
    rrn: keys.rrn ?? "",
    vehicleNumbers: keys.vehicleNumbers ?? [],
    waterCustomerNo: keys.waterCustomerNo ?? "",
  });
  return create(CitizenQuerySchema, { citizen, purpose: why, sources });
}
