//! SOAP faults: reading `<soap:Fault>`, writing it (for the simulator), and the ONE table that
//! classifies the service's error codes into [`ErrorKind`].
//!
//! A fault's `faultstring` is free text from the back-end and may echo request values, so it
//! is never copied into an error message: messages carry the fault side and the error code
//! only.

use crate::schema::{code, el};
use crate::soap::{Element, escape, write_envelope};
use minwon_connector_sdk::{ConnectorError, ErrorKind};

/// Who the fault blames (`faultcode`, prefix and dotted sub-codes dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultSide {
    /// `soap:Client` — the request was wrong.
    Client,
    /// `soap:Server` — the service failed.
    Server,
    /// Any other fault code (`VersionMismatch`, `MustUnderstand`, vendor codes).
    Other,
}

impl FaultSide {
    fn as_str(self) -> &'static str {
        match self {
            FaultSide::Client => "Client",
            FaultSide::Server => "Server",
            FaultSide::Other => "other",
        }
    }
}

/// A parsed fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// Client or server.
    pub side: FaultSide,
    /// `<detail><errorCode>`, when present.
    pub error_code: Option<String>,
}

impl Fault {
    /// Reads a `<Fault>` element; one without `faultcode` is malformed.
    pub fn from_element(fault: &Element) -> Result<Fault, ConnectorError> {
        let raw = fault.child_text("faultcode").ok_or_else(|| {
            ConnectorError::bad_response("SOAP envelope: Fault without faultcode")
        })?;
        let local = raw.rsplit(':').next().unwrap_or(raw);
        let side = match local.split('.').next().unwrap_or(local) {
            "Client" => FaultSide::Client,
            "Server" => FaultSide::Server,
            _ => FaultSide::Other,
        };
        let error_code = fault
            .child("detail")
            .and_then(|d| find_error_code(d, 0))
            .map(str::to_string);
        Ok(Fault { side, error_code })
    }
}

/// `errorCode` anywhere inside `<detail>` (some gateways wrap it in another element).
fn find_error_code(e: &Element, depth: usize) -> Option<&str> {
    if depth > 4 {
        return None;
    }
    e.child_text(el::ERROR_CODE).or_else(|| {
        e.children
            .iter()
            .find_map(|c| find_error_code(c, depth + 1))
    })
}

/// The classification table: service error code first, then the fault side.
pub fn kind_of(fault: &Fault) -> ErrorKind {
    match fault.error_code.as_deref() {
        Some(code::NOT_FOUND) => ErrorKind::NotFound,
        Some(code::INVALID_PARAM) => ErrorKind::InvalidQuery,
        // The connector and the service disagree about the contract: our misconfiguration.
        Some(code::UNKNOWN_OPERATION) => ErrorKind::Internal,
        Some(c) if c.starts_with("AUTH-") => ErrorKind::Unauthorized,
        Some(c) if c.starts_with("SYS-LIMIT") => ErrorKind::RateLimited,
        Some(c) if c.starts_with("SYS-TIMEOUT") => ErrorKind::Timeout,
        Some(c) if c.starts_with("SYS-") => ErrorKind::Unavailable,
        _ => match fault.side {
            FaultSide::Client => ErrorKind::InvalidQuery,
            FaultSide::Server | FaultSide::Other => ErrorKind::Unavailable,
        },
    }
}

/// The classified error for a fault; the message names the side and a sanitised error code.
pub fn classify(fault: &Fault) -> ConnectorError {
    let shown = fault
        .error_code
        .as_deref()
        .filter(|c| {
            !c.is_empty()
                && c.len() <= 32
                && c.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"-_".contains(&b))
        })
        .unwrap_or("(unrecognised)");
    ConnectorError::new(
        kind_of(fault),
        format!("SOAP fault {} errorCode {shown}", fault.side.as_str()),
    )
}

/// Writes a fault envelope (`faultcode` `soap:Client` or `soap:Server`).
pub fn write_fault(side: FaultSide, fault_string: &str, error_code: &str) -> String {
    let code = match side {
        FaultSide::Client => "soap:Client",
        FaultSide::Server | FaultSide::Other => "soap:Server",
    };
    let body = format!(
        "<soap:Fault><faultcode>{code}</faultcode><faultstring>{}</faultstring>\
         <detail><mw:{e}>{}</mw:{e}></detail></soap:Fault>",
        escape(fault_string),
        escape(error_code),
        e = el::ERROR_CODE,
    );
    write_envelope(None, &body)
}
