// Korean labels for the hub's enums and source names: what a counselor reads on screen.

import { CaseKind, CaseStatus, PurposeCode, SourceState } from "../../../clients/typescript/src/index.js";

/** The demo's six back-ends, in registry order, with their Korean names. */
export const SOURCES: ReadonlyArray<[string, string]> = [
  ["saeol", "새올 민원"],
  ["tax", "지방세"],
  ["traffic", "교통 과태료"],
  ["welfare", "복지"],
  ["water", "상수도"],
  ["parking", "주차"],
];

/**
 * What a counselor reads for source `name`: its Korean name above, else the department the hub
 * says owns it (a department configured after this screen was built), else the name itself.
 */
export function sourceLabel(name: string, department = ""): string {
  return SOURCES.find(([n]) => n === name)?.[1] ?? (department || name);
}

export const SOURCE_STATES: Record<SourceState, string> = {
  [SourceState.UNSPECIFIED]: "알 수 없음",
  [SourceState.OK]: "정상",
  [SourceState.NOT_FOUND]: "기록 없음",
  [SourceState.SKIPPED]: "조회 안 함",
  [SourceState.TIMEOUT]: "시간 초과",
  [SourceState.CIRCUIT_OPEN]: "차단됨(장애 누적)",
  [SourceState.UNAVAILABLE]: "이용 불가",
  [SourceState.DENIED]: "권한 없음",
  [SourceState.ERROR]: "오류",
};

/** States that mean the source did not answer: drawn as a warning. */
export function stateIsFailure(s: SourceState): boolean {
  return [SourceState.TIMEOUT, SourceState.CIRCUIT_OPEN, SourceState.UNAVAILABLE, SourceState.ERROR].includes(s);
}

export const CASE_KINDS: Array<[CaseKind, string]> = [
  [CaseKind.COMPLAINT, "민원"],
  [CaseKind.TAX_BILL, "세금 고지"],
  [CaseKind.TRAFFIC_FINE, "교통 과태료"],
  [CaseKind.WELFARE_APPLICATION, "복지 신청"],
  [CaseKind.WATER_BILL, "수도 요금"],
  [CaseKind.PARKING_TICKET, "주차 위반"],
  [CaseKind.OTHER, "기타"],
];

export const CASE_STATUSES: Array<[CaseStatus, string]> = [
  [CaseStatus.RECEIVED, "접수"],
  [CaseStatus.IN_PROGRESS, "처리 중"],
  [CaseStatus.COMPLETED, "완료"],
  [CaseStatus.REJECTED, "반려"],
  [CaseStatus.UNPAID, "미납"],
  [CaseStatus.PAID, "납부 완료"],
  [CaseStatus.OVERDUE, "체납"],
  [CaseStatus.OBJECTION_FILED, "이의 신청"],
  [CaseStatus.CANCELLED, "취소"],
];

export function label<T>(list: Array<[T, string]>, v: T): string {
  return list.find(([k]) => k === v)?.[1] ?? "미분류";
}

/** The purposes a counselor may give for a look-up (the others are refused for cases). */
export const PURPOSES: Array<[PurposeCode, string]> = [
  [PurposeCode.CITIZEN_INQUIRY, "민원인 본인 문의 응대"],
  [PurposeCode.CASE_HANDLING, "담당 부서 민원 처리"],
  [PurposeCode.PAYMENT_GUIDANCE, "고지·납부 안내"],
];

/** Personal field names as the hub names them in `clear_fields`, with Korean labels. */
export const PERSONAL_FIELDS: Array<[string, string]> = [
  ["name", "성명"],
  ["rrn", "주민등록번호"],
  ["phone", "전화"],
  ["address", "주소"],
  ["vehicle_number", "차량번호"],
  ["account_number", "계좌"],
];
