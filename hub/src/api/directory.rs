//! `DirectoryService`: which eup/myeon/dong office handles an address, for the counselor's
//! hand-off. Staff roles only (counselor, officer, admin).
//!
//! The address is personal data, so it is never logged, never echoed in an error and never
//! kept. FindOffice is not written to the access trail: it reads no back-end and reveals
//! nothing about anyone — the caller already holds the address, and the answer (an office's
//! public phone and hours) is the same for every resident of the area. Recording it would put
//! an address-derived value in the trail for no auditable access.

use super::status;
use crate::access::auth::Role;
use crate::guidance::directory::{Directory, MatchKind, Office, route::MAX_ADDRESS_CHARS};
use minwon_proto::v1 as pb;
use pb::directory_service_server::DirectoryService;
use tonic::{Request, Response, Status};

/// The service (the directory is built into the binary; the caller comes from the auth
/// layer).
#[derive(Clone, Default)]
pub struct DirectoryApi;

impl DirectoryApi {
    /// The service.
    pub fn new() -> Self {
        DirectoryApi
    }
}

/// An office for the wire.
pub fn office(o: &Office) -> pb::Office {
    pb::Office {
        name: o.name.clone(),
        kind: o.kind.clone(),
        display_name: o.display_name(),
        phone: o.phone.clone(),
        address: o.address.clone(),
        hours: o.hours.clone(),
        sample: o.sample,
    }
}

fn match_kind(k: MatchKind) -> pb::OfficeMatch {
    match k {
        MatchKind::AdministrativeDong => pb::OfficeMatch::AdministrativeDong,
        MatchKind::LegalDong => pb::OfficeMatch::LegalDong,
        MatchKind::RoadName => pb::OfficeMatch::RoadName,
    }
}

impl DirectoryApi {
    async fn find(
        &self,
        req: Request<pb::FindOfficeRequest>,
    ) -> Result<Response<pb::FindOfficeResponse>, Status> {
        let principal = super::layer::principal(&req)?;
        if !matches!(
            principal.role,
            Role::Counselor | Role::Officer | Role::Admin
        ) {
            return Err(status::denied(
                "FindOffice is for staff: the counselor, officer or admin role",
            ));
        }
        let address = req.get_ref().address.trim();
        let n = address.chars().count();
        if n == 0 || n > MAX_ADDRESS_CHARS {
            return Err(status::invalid_message("address: 1 to 200 characters"));
        }
        let Some(r) = Directory::builtin().route(address) else {
            return Err(status::not_found(
                "no Gimpo eup/myeon/dong office matches this address: give its dong, eup or \
                 myeon, its ri or legal dong, or its road name",
            ));
        };
        Ok(Response::new(pb::FindOfficeResponse {
            office: Some(office(r.office)),
            r#match: match_kind(r.kind) as i32,
            matched_name: r.matched.to_string(),
        }))
    }
}

#[tonic::async_trait]
impl DirectoryService for DirectoryApi {
    async fn find_office(
        &self,
        req: Request<pb::FindOfficeRequest>,
    ) -> Result<Response<pb::FindOfficeResponse>, Status> {
        self.find(req).await
    }
}
