// The reference counselor screen: sign in with a token, look a citizen up by one key with a
// required purpose, watch each source answer (StreamCitizenOverview), open a case (GetCase),
// search the knowledge base beside it. Every answer's access record id is on screen.
//
// Privacy: the token lives only in this module's memory (not sessionStorage — any script of
// the origin could read that, and it would outlive the tab's use; a reload asks again). The
// citizen's key lives only in the form field: never in the URL, history or storage.

import {
  AUDIT_ID_HEADER,
  Code,
  ConnectError,
  createHubClient,
  errorDetails,
  purpose,
  citizenQuery,
  type Case,
  type CitizenKeyInput,
  type HubClient,
  type PurposeCode,
} from "../../../clients/typescript/src/index.js";
import { byId, clear, el } from "./dom.js";
import { CASE_KINDS, CASE_STATUSES, PURPOSES, SOURCES } from "./labels.js";
import { drawDetail, drawResults, type Filters, type SourceView } from "./render.js";

let token: string | undefined;
let hub: HubClient | undefined;
let views: SourceView[] = [];
let running: AbortController | undefined;
let lastPurpose: PurposeCode | undefined;

function errorText(e: unknown): string {
  if (e instanceof ConnectError) {
    const what: Partial<Record<Code, string>> = {
      [Code.Unauthenticated]: "인증 실패 — 토큰을 확인하세요",
      [Code.PermissionDenied]: "권한 없음",
      [Code.InvalidArgument]: "입력 오류",
      [Code.ResourceExhausted]: "요청이 너무 많습니다",
      [Code.Unavailable]: "허브에 연결할 수 없습니다",
      [Code.NotFound]: "찾을 수 없음",
      [Code.DeadlineExceeded]: "시간 초과",
    };
    // The reason code is the contract; the hub's sentence (Korean on accept-language: ko)
    // and the fields at fault come with it when the hub sends rich details.
    const d = errorDetails(e);
    const parts = [`${what[e.code] ?? "오류"} (${d.reason ?? Code[e.code]}): ${d.localized?.message ?? e.rawMessage}`];
    for (const v of d.fieldViolations) parts.push(`${v.field}: ${v.description}`);
    if (d.retryDelayMs !== undefined) parts.push(`${Math.ceil(d.retryDelayMs / 1000)}초 후 다시 시도하세요.`);
    return parts.join(" · ");
  }
  return `화면 오류: ${e instanceof Error ? e.message : String(e)}`;
}

function showError(where: string, e: unknown): void {
  const box = byId(where);
  box.textContent = errorText(e);
  box.hidden = false;
}

function hideError(where: string): void {
  byId(where).hidden = true;
}

/** The role and subject written in the token, for display only (the hub verifies it). */
function whoIs(t: string): string {
  try {
    const payload = t.split(".")[1] ?? "";
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (ch) => ch.charCodeAt(0))));
    const role = typeof claims.role === "string" ? claims.role : "?";
    const dept = typeof claims.dept === "string" ? ` · ${claims.dept}` : "";
    return `${claims.sub ?? "?"} (${role}${dept})`;
  } catch {
    return "알 수 없는 토큰";
  }
}

function signIn(t: string, hubUrl: string): void {
  token = t.trim();
  hub = createHubClient({ baseUrl: hubUrl, token: () => token, language: "ko" });
  byId("who").textContent = whoIs(token);
  byId("signin").hidden = true;
  byId("signed-in").hidden = false;
  byId("workspace").hidden = false;
  byId<HTMLInputElement>("token").value = "";
}

function signOut(): void {
  running?.abort();
  token = undefined;
  hub = undefined;
  views = [];
  byId("signin").hidden = false;
  byId("signed-in").hidden = true;
  byId("workspace").hidden = true;
  for (const id of ["strip", "groups", "detail", "kb-results"]) clear(byId(id));
  byId("audit-id").textContent = "";
  for (const id of ["rrn", "vehicle", "water", "note"]) byId<HTMLInputElement>(id).value = "";
}

function filters(): Filters {
  return {
    kind: byId<HTMLSelectElement>("f-kind").value,
    status: byId<HTMLSelectElement>("f-status").value,
    order: byId<HTMLSelectElement>("f-order").value,
  };
}

function redraw(): void {
  const { shown, total } = drawResults(views, filters(), byId("strip"), byId("groups"), openCase);
  const done = views.filter((v) => v.state !== undefined).length;
  byId("summary").textContent = views.length
    ? `출처 ${done}/${views.length} 응답 · ${total}건 중 ${shown}건 표시`
    : "";
}

async function openCase(c: Case): Promise<void> {
  if (!hub || lastPurpose === undefined) return;
  hideError("detail-error");
  let auditId = "";
  try {
    const full = await hub.citizenCases.getCase(
      { caseRef: c.caseRef, purpose: purpose(lastPurpose, byId<HTMLInputElement>("note").value) },
      { onHeader: (h) => (auditId = h.get(AUDIT_ID_HEADER) ?? "") },
    );
    drawDetail(byId("detail"), full, auditId);
  } catch (e) {
    showError("detail-error", e);
  }
}

/** The keys typed in; any of them, at least one. */
function keysFromForm(): CitizenKeyInput {
  const value = (id: string) => byId<HTMLInputElement>(id).value.trim();
  const keys: CitizenKeyInput = {
    rrn: value("rrn"),
    vehicleNumbers: value("vehicle")
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean),
    waterCustomerNo: value("water"),
  };
  if (!keys.rrn && !keys.vehicleNumbers?.length && !keys.waterCustomerNo) {
    throw new RangeError("주민등록번호, 차량번호, 수도 고객번호 중 하나 이상을 입력하세요.");
  }
  return keys;
}

async function search(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  hideError("search-error");
  if (!hub) return;
  const code = Number(byId<HTMLSelectElement>("purpose").value) as PurposeCode;
  let query;
  try {
    if (!code) throw new RangeError("조회 목적을 선택하세요. 목적 없이는 조회할 수 없습니다.");
    query = citizenQuery(keysFromForm(), purpose(code, byId<HTMLInputElement>("note").value));
  } catch (e) {
    showError("search-error", e);
    return;
  }
  running?.abort();
  const mine = new AbortController();
  running = mine;
  lastPurpose = code;
  views = SOURCES.map(([name]) => ({ name, department: "", detail: "", latencyMs: 0, cases: [] }));
  byId("detail").replaceChildren(el("p", { class: "muted" }, "사건을 누르면 상세가 표시됩니다."));
  byId("audit-id").textContent = "";
  redraw();
  try {
    for await (const m of hub.citizenCases.streamCitizenOverview(query, { signal: mine.signal })) {
      const s = m.status;
      if (!s) continue;
      let v = views.find((x) => x.name === s.source);
      if (!v) {
        v = { name: s.source, department: s.department, detail: "", latencyMs: 0, cases: [] };
        views.push(v);
      }
      v.state = s.state;
      v.department = s.department;
      v.detail = s.detail;
      v.latencyMs = s.latencyMs;
      v.cases = m.cases;
      byId("audit-id").textContent = m.auditId;
      redraw();
    }
    // Sources the hub did not report (not in its registry) are not left "waiting".
    views = views.filter((v) => v.state !== undefined);
    redraw();
  } catch (e) {
    if (mine.signal.aborted) return;
    showError("search-error", e);
    views = views.filter((v) => v.state !== undefined);
    redraw();
  }
}

async function searchKnowledge(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  hideError("kb-error");
  if (!hub) return;
  const q = byId<HTMLInputElement>("kb-query").value.trim();
  const out = byId("kb-results");
  clear(out);
  if (!q) return;
  try {
    const r = await hub.knowledge.searchKnowledge({ query: q, limit: 8 });
    out.append(
      el("p", { class: "muted" }, `${r.totalMatches}건 중 ${r.entries.length}건 · 공개 정보라 감사 기록 대상이 아닙니다`),
      ...r.entries.map((k) =>
        el(
          "article",
          { class: "kb" },
          el("h4", {}, `[${k.category}] ${k.question}`),
          el("p", {}, k.answer),
          el("p", { class: "muted" }, `${k.department} ${k.contact}`),
        ),
      ),
    );
  } catch (e) {
    showError("kb-error", e);
  }
}

function fillSelect(id: string, options: Array<[string, string]>): void {
  byId(id).append(...options.map(([v, t]) => el("option", { value: v }, t)));
}

async function main(): Promise<void> {
  const cfg = (await (await fetch("/config.json", { cache: "no-store" })).json()) as { hub: string };
  fillSelect("purpose", PURPOSES.map(([c, t]) => [String(c), t]));
  fillSelect("f-kind", CASE_KINDS.map(([c, t]) => [String(c), t]));
  fillSelect("f-status", CASE_STATUSES.map(([c, t]) => [String(c), t]));
  byId("signin").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const t = byId<HTMLInputElement>("token").value;
    if (t.trim()) signIn(t, cfg.hub);
  });
  byId("signout").addEventListener("click", signOut);
  byId("search").addEventListener("submit", (ev) => void search(ev as SubmitEvent));
  byId("kb").addEventListener("submit", (ev) => void searchKnowledge(ev as SubmitEvent));
  for (const id of ["f-kind", "f-status", "f-order"]) byId(id).addEventListener("change", redraw);
  byId("copy-audit").addEventListener("click", () => {
    const id = byId("audit-id").textContent ?? "";
    if (id) void navigator.clipboard?.writeText(id).catch(() => undefined);
  });
  // Scripted sign-in: #token=… never reaches a server; read it, then drop it from the
  // address bar (replaceState: no history entry keeps it either).
  const hash = new URLSearchParams(location.hash.slice(1));
  const fromHash = hash.get("token");
  if (fromHash !== null) {
    history.replaceState(null, "", location.pathname + location.search);
    if (fromHash.trim()) signIn(fromHash, cfg.hub);
  }
}

main().catch((e) => showError("search-error", e));
