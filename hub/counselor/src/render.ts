// Drawing the search results: one state chip per source, the cases grouped by source (after
// the screen's own filters and order), and one case in detail.

import { CaseStatus, SourceState, timestampDate, type Case } from "../../../clients/typescript/src/index.js";
import { clear, el } from "./dom.js";
import {
  CASE_KINDS,
  CASE_STATUSES,
  PERSONAL_FIELDS,
  SOURCE_STATES,
  label,
  sourceLabel,
  stateIsFailure,
} from "./labels.js";

/** What one source has answered so far (no state yet: still waiting). */
export interface SourceView {
  name: string;
  /** The department owning the source, as the hub reported it ("" until it answers). */
  department: string;
  state?: SourceState;
  detail: string;
  latencyMs: number;
  cases: Case[];
}

/** The screen's filters, applied to the streamed cases in the browser. */
export interface Filters {
  kind: string;
  status: string;
  order: string;
}

export function kst(c: Case["updatedAt"]): string {
  if (!c) return "";
  return timestampDate(c).toLocaleString("ko-KR", { timeZone: "Asia/Seoul" });
}

export function won(c: Case): string {
  return c.hasAmount ? `${c.amountKrw.toLocaleString("ko-KR")}원` : "";
}

/** Unpaid and overdue first; then the order asked for. */
function sorted(cases: Case[], order: string): Case[] {
  const due = (c: Case) => c.dueDate || "9999-99-99";
  const updated = (c: Case) => (c.updatedAt ? Number(c.updatedAt.seconds) : 0);
  const urgent = (c: Case) => (c.status === CaseStatus.OVERDUE ? 0 : c.status === CaseStatus.UNPAID ? 1 : 2);
  const out = [...cases];
  switch (order) {
    case "due":
      return out.sort((a, b) => due(a).localeCompare(due(b)));
    case "updated":
      return out.sort((a, b) => updated(b) - updated(a));
    case "amount":
      return out.sort((a, b) => (b.amountKrw > a.amountKrw ? 1 : b.amountKrw < a.amountKrw ? -1 : 0));
    case "urgent":
      return out.sort((a, b) => urgent(a) - urgent(b) || due(a).localeCompare(due(b)));
    default:
      return out;
  }
}

export function filtered(cases: Case[], f: Filters): Case[] {
  const kept = cases.filter(
    (c) => (f.kind === "" || String(c.kind) === f.kind) && (f.status === "" || String(c.status) === f.status),
  );
  return sorted(kept, f.order);
}

function stateChip(v: SourceView): HTMLElement {
  const state = v.state === undefined ? "waiting" : SourceState[v.state];
  const text = v.state === undefined ? "조회 중…" : SOURCE_STATES[v.state];
  const cls = v.state === undefined ? "chip wait" : stateIsFailure(v.state) ? "chip fail" : "chip ok";
  return el(
    "li",
    { class: cls, "data-source": v.name, "data-state": state, title: v.detail },
    el("strong", {}, sourceLabel(v.name, v.department)),
    " ",
    el("span", { class: "state" }, text),
    v.state !== undefined && v.latencyMs > 0 ? el("span", { class: "ms" }, ` ${v.latencyMs}ms`) : null,
  );
}

/** A personal field as shown: the value and whether it is in clear or masked. */
function personal(c: Case): HTMLElement | null {
  const p = c.personal;
  if (!p) return null;
  const values: Record<string, string> = {
    name: p.name,
    rrn: p.rrn,
    phone: p.phone,
    address: p.address,
    vehicle_number: p.vehicleNumber,
    account_number: p.accountNumber,
  };
  const items = PERSONAL_FIELDS.filter(([k]) => values[k]).map(([k, ko]) => {
    const isClear = p.clearFields.includes(k);
    return el(
      "span",
      { class: isClear ? "pf clear" : "pf masked", "data-field": k, "data-visibility": isClear ? "clear" : "masked" },
      `${ko} ${values[k]}`,
      el("small", {}, isClear ? " (공개)" : " (마스킹)"),
    );
  });
  return items.length ? el("div", { class: "personal" }, ...items) : null;
}

function caseRow(c: Case, onOpen: (c: Case) => void): HTMLElement {
  const open = el("button", { type: "button", class: "link", "data-case-ref": c.caseRef }, c.title || c.caseRef);
  open.addEventListener("click", () => onOpen(c));
  return el(
    "li",
    { class: "case", "data-status": CaseStatus[c.status] },
    el(
      "div",
      { class: "line" },
      open,
      el("span", { class: `status s-${CaseStatus[c.status]}` }, label(CASE_STATUSES, c.status)),
      el("span", { class: "kind" }, label(CASE_KINDS, c.kind)),
      c.hasAmount ? el("span", { class: "amount" }, won(c)) : null,
      c.dueDate ? el("span", { class: "due" }, `기한 ${c.dueDate}`) : null,
    ),
    personal(c),
  );
}

/** Draws the chips and the groups into `strip` and `groups`. */
export function drawResults(
  views: SourceView[],
  f: Filters,
  strip: HTMLElement,
  groups: HTMLElement,
  onOpen: (c: Case) => void,
): { shown: number; total: number } {
  clear(strip);
  clear(groups);
  let shown = 0;
  let total = 0;
  for (const v of views) {
    strip.append(stateChip(v));
    const cases = filtered(v.cases, f);
    shown += cases.length;
    total += v.cases.length;
    const body =
      v.state === undefined
        ? el("p", { class: "muted" }, "응답을 기다리는 중입니다.")
        : v.state === SourceState.OK || v.state === SourceState.NOT_FOUND
          ? cases.length
            ? el("ul", { class: "cases" }, ...cases.map((c) => caseRow(c, onOpen)))
            : el("p", { class: "muted" }, v.cases.length ? "필터에 맞는 건이 없습니다." : "해당 건이 없습니다.")
          : el("p", { class: stateIsFailure(v.state) ? "warn" : "muted" }, `${SOURCE_STATES[v.state]}: ${v.detail}`);
    groups.append(
      el(
        "section",
        { class: "group", "data-source": v.name },
        el("h3", {}, `${sourceLabel(v.name, v.department)} `, el("small", {}, `${cases.length}/${v.cases.length}건`)),
        body,
      ),
    );
  }
  return { shown, total };
}

/** A connector's boolean attribute (`true`/`false`, e.g. water's `auto_debit`) as a counselor
 * says it; any other value as it is. */
function yesNo(v: string): string {
  return v === "true" ? "예" : v === "false" ? "아니요" : v;
}

/** One case in full (from GetCase), with the access record id of that answer. */
export function drawDetail(target: HTMLElement, c: Case, auditId: string): void {
  clear(target);
  const row = (k: string, v: string | Node) => [el("dt", {}, k), el("dd", {}, v)];
  // Each attribute by its source's label (GetCase carries them; a key without one as is), in
  // the order a reader looks them up: by that label.
  const attrs = Object.entries(c.attributes)
    .map(([k, v]): [string, string] => [c.attributeLabels[k] || k, yesNo(v)])
    .sort(([a], [b]) => a.localeCompare(b, "ko"));
  target.append(
    el("h3", {}, c.title || c.caseRef),
    el(
      "dl",
      {},
      ...row("사건 번호", c.caseRef),
      ...row("출처", sourceLabel(c.source, c.department)),
      ...row("종류", label(CASE_KINDS, c.kind)),
      ...row("상태", `${label(CASE_STATUSES, c.status)} (${c.sourceStatus})`),
      ...(c.hasAmount ? row("금액", won(c)) : []),
      ...(c.dueDate ? row("납부 기한", c.dueDate) : []),
      ...(c.openedAt ? row("접수", kst(c.openedAt)) : []),
      ...(c.updatedAt ? row("갱신", kst(c.updatedAt)) : []),
      ...row("담당 부서", `${c.department} ${c.contact}`),
      ...attrs.flatMap(([k, v]) => row(k, v)),
    ),
    personal(c) ?? el("p", { class: "muted" }, "개인정보 항목 없음"),
    el("p", { class: "audit" }, "감사 기록 번호: ", el("code", { id: "detail-audit-id" }, auditId || "(없음)")),
  );
}
