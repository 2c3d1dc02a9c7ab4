//! The wire vocabulary of the Saeol `MinwonService`: namespace, operation names, element
//! names and fault error codes. The connector and the simulator both read them from here, so
//! the two cannot drift apart.

/// SOAP 1.1 envelope namespace.
pub const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The service's own namespace; also the prefix of every `SOAPAction`.
pub const SERVICE_NS: &str = "urn:saeol:minwon";
/// Default path of the service below the base URL.
pub const DEFAULT_SERVICE_PATH: &str = "/saeol/services/MinwonService";
/// `Content-Type` of every request and response.
pub const CONTENT_TYPE: &str = "text/xml; charset=EUC-KR";

/// The operations the service offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// A citizen's complaints, by RRN (13 digits).
    GetCivilComplaintList,
    /// One complaint by its number.
    GetCivilComplaintDetail,
    /// The consultation knowledge base.
    SearchKnowledge,
    /// A cheap liveness probe (used by the health check).
    GetServerStatus,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 4] = [
        Operation::GetCivilComplaintList,
        Operation::GetCivilComplaintDetail,
        Operation::SearchKnowledge,
        Operation::GetServerStatus,
    ];

    /// The operation's element name (the request's body element).
    pub fn name(self) -> &'static str {
        match self {
            Operation::GetCivilComplaintList => "GetCivilComplaintList",
            Operation::GetCivilComplaintDetail => "GetCivilComplaintDetail",
            Operation::SearchKnowledge => "SearchKnowledge",
            Operation::GetServerStatus => "GetServerStatus",
        }
    }

    /// The operation with this element name.
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|o| o.name() == name)
    }

    /// The response's body element name, `<Operation>Response`.
    pub fn response_name(self) -> String {
        format!("{}Response", self.name())
    }

    /// The `SOAPAction` header value, quoted as SOAP 1.1 requires.
    pub fn soap_action(self) -> String {
        format!("\"{SERVICE_NS}#{}\"", self.name())
    }
}

/// Element names (local names; the service prefixes them with `mw:`).
pub mod el {
    /// Request header block.
    pub const REQ_INFO: &str = "reqInfo";
    /// Calling organisation code (행정기관코드, 10 digits).
    pub const ORG_CD: &str = "orgCd";
    /// Calling system id.
    pub const SYS_ID: &str = "sysId";

    /// Request: resident registration number, 13 digits, no hyphen.
    pub const RRNO: &str = "rrno";
    /// Complaint number (민원번호), `YYYY-NNNNNNN`.
    pub const MNWN_NO: &str = "mnwnNo";
    /// Number of records that follow.
    pub const RESULT_CNT: &str = "resultCnt";
    /// List of complaints.
    pub const MNWN_LIST: &str = "mnwnList";
    /// One complaint record.
    pub const MNWN_INFO: &str = "mnwnInfo";
    /// Complaint title (민원제목).
    pub const MNWN_TTL: &str = "mnwnTtl";
    /// Complaint category (민원분류명).
    pub const MNWN_CLSF_NM: &str = "mnwnClsfNm";
    /// Processing status word (처리상태명): 접수, 처리중, 처리완료, 반려, 취하.
    pub const PRCS_STTS_NM: &str = "prcsSttsNm";
    /// Receipt date-time (접수일시), `yyyyMMddHHmmss`, KST.
    pub const RCPT_DT: &str = "rcptDt";
    /// Last processing date-time (처리일시), `yyyyMMddHHmmss`, KST; empty when none.
    pub const PRCS_DT: &str = "prcsDt";
    /// Processing deadline (처리기한), `yyyyMMdd`.
    pub const PRCS_DDLN_DT: &str = "prcsDdlnDt";
    /// Handling department (처리부서명).
    pub const PRCS_DEPT_NM: &str = "prcsDeptNm";
    /// Department officer's phone (담당자 전화번호).
    pub const CHRG_TELNO: &str = "chrgTelno";
    /// Receipt channel (접수경로명): 전화, 인터넷, 방문, 국민신문고.
    pub const RCPT_PATH_NM: &str = "rcptPathNm";
    /// Complainant's name (personal).
    pub const APLCNT_NM: &str = "aplcntNm";
    /// Complainant's phone (personal).
    pub const APLCNT_TELNO: &str = "aplcntTelno";
    /// Complainant's address (personal).
    pub const APLCNT_ADDR: &str = "aplcntAddr";
    /// Detail only: complaint text (민원내용).
    pub const MNWN_CN: &str = "mnwnCn";
    /// Detail only: processing result text (처리결과내용).
    pub const PRCS_RSLT_CN: &str = "prcsRsltCn";

    /// Request: search words.
    pub const SRCH_WRD: &str = "srchWrd";
    /// Request: category filter; response: entry category (분류명).
    pub const CLSF_NM: &str = "clsfNm";
    /// Request: most rows wanted.
    pub const MAX_ROW: &str = "maxRow";
    /// Number of matching entries before the row limit.
    pub const TOT_CNT: &str = "totCnt";
    /// List of knowledge entries.
    pub const KNWL_LIST: &str = "knwlList";
    /// One knowledge entry.
    pub const KNWL_INFO: &str = "knwlInfo";
    /// Entry id.
    pub const KNWL_ID: &str = "knwlId";
    /// Question (질문내용).
    pub const QSTN_CN: &str = "qstnCn";
    /// Answer (답변내용).
    pub const ANS_CN: &str = "ansCn";
    /// Department in charge (담당부서명).
    pub const DEPT_NM: &str = "deptNm";
    /// Department phone.
    pub const TELNO: &str = "telno";
    /// Relevance score.
    pub const SCR: &str = "scr";

    /// Server status code (`UP`).
    pub const SRVR_STTS_CD: &str = "srvrSttsCd";
    /// Server time, `yyyyMMddHHmmss`.
    pub const SRVR_TM: &str = "srvrTm";

    /// Fault detail: the service's error code.
    pub const ERROR_CODE: &str = "errorCode";
}

/// Fault error codes the service sends in `<detail><errorCode>`.
pub mod code {
    /// Nothing under that key (detail look-up).
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// A parameter is missing or malformed.
    pub const INVALID_PARAM: &str = "INVALID_PARAM";
    /// `SOAPAction` or body element names no known operation.
    pub const UNKNOWN_OPERATION: &str = "UNKNOWN_OPERATION";
    /// The calling organisation is not registered.
    pub const AUTH_ORG: &str = "AUTH-ORG-001";
    /// Database failure.
    pub const SYS_DB: &str = "SYS-DB-001";
    /// Too many concurrent requests.
    pub const SYS_LIMIT: &str = "SYS-LIMIT-001";
    /// An internal timeout.
    pub const SYS_TIMEOUT: &str = "SYS-TIMEOUT-001";
}
