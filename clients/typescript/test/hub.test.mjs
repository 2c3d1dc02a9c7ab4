// The TypeScript client against the real demo hub over gRPC-Web (Node's test runner).
// Run: npm test (builds dist/ first). Needs target/debug/minwon-hub or $MINWON_HUB_BIN.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  AUDIT_ID_HEADER,
  Code,
  ConnectError,
  PurposeCode,
  SourceState,
  bearer,
  citizenQuery,
  createHubClient,
  purpose,
} from "../dist/index.js";
import { citizenEverywhere, startDemo } from "./demo.mjs";

let demo;
before(async () => {
  demo = await startDemo();
});
after(async () => {
  await demo?.stop();
});

const keysOf = (c) => ({
  rrn: c.rrn,
  vehicleNumbers: c.vehicle_numbers,
  waterCustomerNo: c.water_customer_no,
});
const inquiry = () => purpose(PurposeCode.CITIZEN_INQUIRY, "ts client test");

test("a counselor's overview: every source answers, an audit id, personal fields masked", async () => {
  const hub = createHubClient({ baseUrl: demo.baseUrl, token: demo.tokens.counselor });
  const c = citizenEverywhere(demo);
  const o = await hub.citizenCases.getCitizenOverview(citizenQuery(keysOf(c), inquiry()));
  assert.match(o.auditId, /\S/);
  assert.ok(o.cases.length > 0);
  const states = Object.fromEntries(o.sources.map((s) => [s.source, s.state]));
  for (const s of demo.citizens.all_sources) assert.equal(states[s], SourceState.OK, s);
  const personal = o.cases.map((k) => k.personal).filter(Boolean);
  assert.ok(personal.length > 0, "cases carry personal fields");
  for (const p of personal) {
    assert.notEqual(p.rrn, c.rrn, "the RRN is masked for a counselor");
    assert.deepEqual(p.clearFields, [], "nothing in clear for a counselor");
  }
  assert.ok(!JSON.stringify(o.cases.map((k) => k.personal)).includes(c.name), "the name is masked");
});

test("the streamed overview: one message per source, the audit id on each", async () => {
  const hub = createHubClient({ baseUrl: demo.baseUrl, token: () => demo.tokens.counselor });
  const c = citizenEverywhere(demo);
  const seen = [];
  const ids = new Set();
  for await (const m of hub.citizenCases.streamCitizenOverview(citizenQuery(keysOf(c), inquiry()))) {
    seen.push(m.status.source);
    ids.add(m.auditId);
  }
  assert.deepEqual([...seen].sort(), [...demo.citizens.all_sources].sort());
  assert.equal(ids.size, 1, "one access record covers the whole stream");
  assert.match([...ids][0], /\S/);
});

test("a hanging source times out in the stream while the other sources answer", async () => {
  const hub = createHubClient({ baseUrl: demo.baseUrl, token: demo.tokens.counselor });
  const c = citizenEverywhere(demo);
  await demo.fault("water", "hang");
  try {
    const states = {};
    for await (const m of hub.citizenCases.streamCitizenOverview(citizenQuery(keysOf(c), inquiry()))) {
      states[m.status.source] = m.status.state;
    }
    assert.equal(states.water, SourceState.TIMEOUT);
    for (const s of demo.citizens.all_sources.filter((s) => s !== "water")) {
      assert.equal(states[s], SourceState.OK, s);
    }
  } finally {
    await demo.fault("water", "none");
  }
});

test("GetCase returns the case a case_ref names, and its audit id in a header", async () => {
  const hub = createHubClient({ baseUrl: demo.baseUrl, token: demo.tokens.counselor });
  const c = citizenEverywhere(demo);
  const o = await hub.citizenCases.getCitizenOverview(citizenQuery(keysOf(c), inquiry()));
  const first = o.cases[0];
  let auditId = "";
  const one = await hub.citizenCases.getCase(
    { caseRef: first.caseRef, purpose: inquiry() },
    { onHeader: (h) => (auditId = h.get(AUDIT_ID_HEADER) ?? "") },
  );
  assert.equal(one.caseRef, first.caseRef);
  assert.equal(one.title, first.title);
  assert.match(auditId, /\S/, "GetCase names its access record in x-minwon-audit-id");
  assert.notEqual(auditId, o.auditId);
});

test("the tax officer sees the tax cases' personal fields in clear (a per-call bearer token)", async () => {
  const hub = createHubClient({ baseUrl: demo.baseUrl, token: demo.tokens.counselor });
  const c = citizenEverywhere(demo);
  const o = await hub.citizenCases.getCitizenOverview(
    citizenQuery(keysOf(c), purpose(PurposeCode.CASE_HANDLING)),
    bearer(demo.tokens.officer),
  );
  const tax = o.cases.filter((k) => k.source === "tax");
  assert.ok(tax.length > 0);
  assert.ok(tax.every((k) => k.personal?.clearFields.length > 0), "tax fields in clear");
  const other = o.cases.filter((k) => k.source !== "tax" && k.personal);
  assert.ok(other.every((k) => k.personal.clearFields.length === 0), "other departments masked");
});

test("a look-up without a purpose is refused with INVALID_ARGUMENT; the helper refuses it first", async () => {
  const hub = createHubClient({ baseUrl: demo.baseUrl, token: demo.tokens.counselor });
  const c = citizenEverywhere(demo);
  await assert.rejects(
    hub.citizenCases.getCitizenOverview({ citizen: { rrn: c.rrn } }),
    (e) => e instanceof ConnectError && e.code === Code.InvalidArgument && !e.message.includes(c.rrn),
  );
  assert.throws(() => purpose(PurposeCode.UNSPECIFIED), RangeError);
  assert.throws(() => purpose(PurposeCode.CITIZEN_INQUIRY, "가".repeat(501)), RangeError);
});

test("without a token the hub answers UNAUTHENTICATED", async () => {
  const hub = createHubClient({ baseUrl: demo.baseUrl });
  await assert.rejects(
    hub.knowledge.searchKnowledge({ query: "여권" }),
    (e) => e instanceof ConnectError && e.code === Code.Unauthenticated,
  );
});

test("the knowledge search answers Korean queries", async () => {
  const hub = createHubClient({ baseUrl: demo.baseUrl, token: demo.tokens.counselor, language: "ko" });
  const r = await hub.knowledge.searchKnowledge({ query: "자동차세", limit: 5 });
  assert.ok(r.entries.length > 0 && r.entries.length <= 5);
  assert.ok(r.totalMatches >= r.entries.length);
});

test("the chatbot presents a verified citizen's assertion in x-minwon-citizen-token", async () => {
  const citizen = demo.citizens.citizens[0];
  const withAssertion = createHubClient({
    baseUrl: demo.baseUrl,
    token: demo.tokens.chatbot,
    citizenToken: citizen.citizen_token,
  });
  const o = await withAssertion.selfService.getMyOverview({});
  assert.ok(o.cases.length > 0 && o.auditId);
  const without = createHubClient({ baseUrl: demo.baseUrl, token: demo.tokens.chatbot });
  await assert.rejects(
    without.selfService.getMyOverview({}),
    (e) => e instanceof ConnectError && e.code === Code.PermissionDenied,
  );
});
