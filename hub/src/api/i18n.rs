//! Korean for callers that ask for it (`accept-language: ko`): error messages worded by their
//! stable reason code (the code is the contract, the sentence is not), and source statuses.
//! English otherwise. No message carries a value the caller sent.

use super::status::reason;
use crate::fanout::SourceState;
use tonic::Status;
use tonic_types::StatusExt;

/// The language of a request's human messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Korean.
    Ko,
}

impl Lang {
    /// From `accept-language`: Korean when its first preference is `ko` (`ko`, `ko-KR`).
    pub fn of(headers: &http::HeaderMap) -> Lang {
        Self::of_value(headers.get("accept-language").and_then(|v| v.to_str().ok()))
    }

    /// From a request's metadata, as [`Lang::of`].
    pub fn of_metadata(md: &tonic::metadata::MetadataMap) -> Lang {
        Self::of_value(md.get("accept-language").and_then(|v| v.to_str().ok()))
    }

    fn of_value(value: Option<&str>) -> Lang {
        let first = value
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_ascii_lowercase());
        match first {
            Some(l) if l == "ko" || l.starts_with("ko-") || l.starts_with("ko;") => Lang::Ko,
            _ => Lang::En,
        }
    }
}

/// The Korean sentence for an error's reason; `None` keeps the English one.
fn korean(why: &str, field: Option<&str>, retry_secs: Option<u64>) -> Option<String> {
    let field = field.unwrap_or("입력값");
    let retry = retry_secs.map_or(String::new(), |s| format!(" {s}초 후 다시 시도해 주세요."));
    Some(match why {
        reason::PURPOSE_REQUIRED => {
            format!("조회 목적이 필요합니다: {field}에 PurposeCode 값을 넣어 주세요.")
        }
        reason::INVALID_CITIZEN_KEY => {
            format!("{field} 형식이 올바르지 않습니다. 번호를 확인해 주세요.")
        }
        reason::INVALID_FIELD => format!("{field} 값이 규칙에 맞지 않습니다."),
        reason::TOKEN_MISSING => {
            "인증 토큰이 없습니다. `authorization: Bearer <토큰>`을 보내 주세요.".into()
        }
        reason::TOKEN_INVALID => "인증 토큰이 유효하지 않습니다. 다시 로그인해 주세요.".into(),
        reason::ACCOUNT_THROTTLED => {
            format!("이 주소에서 잘못된 토큰이 반복되어 인증이 잠시 제한되었습니다.{retry}")
        }
        reason::POLICY_DENIED => "접근 정책상 허용되지 않는 조회입니다.".into(),
        reason::SELF_SERVICE_REQUIRED => "챗봇·SMS·시민은 임의의 번호로 조회할 수 없습니다. \
             본인확인 토큰으로 minwon.v1.SelfService를 이용해 주세요."
            .into(),
        reason::AUDIT_UNAVAILABLE => {
            format!("접속기록을 남길 수 없어 개인정보를 제공하지 않습니다.{retry}")
        }
        reason::SOURCE_UNAVAILABLE => format!("담당 시스템이 지금 응답하지 않습니다.{retry}"),
        reason::SOURCE_TIMEOUT => {
            format!("담당 시스템이 제한 시간 안에 응답하지 않았습니다.{retry}")
        }
        reason::NOT_FOUND => "해당 건을 찾을 수 없습니다.".into(),
        reason::INTERNAL => "허브 내부 오류입니다. 운영자에게 알려 주세요.".into(),
        _ => return None,
    })
}

/// `status` worded for `lang`, its code and details unchanged.
pub fn localize(status: Status, lang: Lang) -> Status {
    if lang == Lang::En {
        return status;
    }
    let details = status.get_error_details();
    let Some(info) = details.error_info() else {
        return status;
    };
    let field = details
        .bad_request()
        .and_then(|b| b.field_violations.first())
        .map(|v| v.field.as_str());
    let retry = details
        .retry_info()
        .and_then(|r| r.retry_delay)
        .map(|d| d.as_secs().max(1));
    match korean(&info.reason, field, retry) {
        Some(message) => Status::with_error_details(status.code(), message, details),
        None => status,
    }
}

/// A source's status detail for `lang`: in Korean, what happened in words a counselor reads,
/// then the technical detail in parentheses.
pub fn source_detail(state: SourceState, detail: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return detail.to_string();
    }
    let words = match state {
        SourceState::Ok => "정상 응답",
        SourceState::NotFound => "해당 기록 없음",
        SourceState::Skipped => "조회하지 않음 (필요한 번호가 없거나 요청하지 않음)",
        SourceState::Timeout => "제한 시간 안에 응답 없음",
        SourceState::CircuitOpen => "장애로 일시 차단됨 (잠시 후 자동 재시도)",
        SourceState::Unavailable => "시스템 응답 불가",
        SourceState::Denied => "접근 정책상 조회 불가",
        SourceState::Error => "처리 중 오류",
    };
    if detail.is_empty() {
        words.to_string()
    } else {
        format!("{words} ({detail})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_is_chosen_by_the_first_preference() {
        let h = |v: &str| {
            let mut m = http::HeaderMap::new();
            m.insert("accept-language", v.parse().unwrap());
            m
        };
        assert_eq!(Lang::of(&h("ko")), Lang::Ko);
        assert_eq!(Lang::of(&h("ko-KR,ko;q=0.9,en;q=0.8")), Lang::Ko);
        assert_eq!(Lang::of(&h("en-US,ko;q=0.5")), Lang::En);
        assert_eq!(Lang::of(&http::HeaderMap::new()), Lang::En);
    }

    #[test]
    fn errors_keep_code_and_details_and_change_only_the_words() {
        let s = crate::api::status::invalid("citizen.rrn", "13 digits");
        let ko = localize(s.clone(), Lang::Ko);
        assert_eq!(ko.code(), s.code());
        assert!(ko.message().contains("citizen.rrn"), "{}", ko.message());
        assert!(ko.message().contains("형식"), "{}", ko.message());
        assert_eq!(
            ko.get_error_details().error_info().unwrap().reason,
            reason::INVALID_CITIZEN_KEY
        );
        assert_eq!(localize(s.clone(), Lang::En).message(), s.message());
        let audit = localize(crate::api::status::audit_unavailable(), Lang::Ko);
        assert!(audit.message().contains("2초 후"), "{}", audit.message());
    }
}
