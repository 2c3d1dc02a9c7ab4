//! M1's second baseline: a bare tonic server answering `CitizenCaseService/GetCitizenOverview`
//! with the twelve-case answer the null hub gives, so the answer's size (encoding it into
//! HTTP/2 frames, the bytes on the wire, the client's decoding) is out of the ratio.
//!
//! The answer is one the null hub actually sent in this run (captured by the parent and
//! handed over as a file of prost-encoded bytes). The server holds those bytes and its codec
//! writes them into each response as they are: nothing is built or encoded per call. The
//! request is decoded as the generated server decodes it. No auth, no layers, no audit.

use anyhow::{Context, Result};
use minwon_proto::v1 as pb;
use prost::bytes::BufMut;
use std::convert::Infallible;
use std::path::Path;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::{
    Body, BoxFuture, Bytes, Context as TaskContext, Poll, Service, StdError, http,
};
use tonic::{Request, Response, Status};

/// The one method it serves.
const PATH: &str = "/minwon.v1.CitizenCaseService/GetCitizenOverview";

/// Decodes `CitizenQuery` with prost; encodes by copying pre-encoded bytes.
#[derive(Debug, Clone, Copy, Default)]
struct PreEncoded;

impl Codec for PreEncoded {
    type Encode = Bytes;
    type Decode = pb::CitizenQuery;
    type Encoder = PreEncoded;
    type Decoder = PreEncoded;

    fn encoder(&mut self) -> Self::Encoder {
        PreEncoded
    }

    fn decoder(&mut self) -> Self::Decoder {
        PreEncoded
    }
}

impl Encoder for PreEncoded {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
        buf.put_slice(&item);
        Ok(())
    }
}

impl Decoder for PreEncoded {
    type Item = pb::CitizenQuery;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<pb::CitizenQuery>, Status> {
        prost::Message::decode(buf)
            .map(Some)
            .map_err(|e| Status::internal(format!("undecodable request: {e}")))
    }
}

/// The unary handler: the same bytes for every query.
struct Answer(Bytes);

impl tonic::server::UnaryService<pb::CitizenQuery> for Answer {
    type Response = Bytes;
    type Future = std::future::Ready<Result<Response<Bytes>, Status>>;

    fn call(&mut self, _: Request<pb::CitizenQuery>) -> Self::Future {
        std::future::ready(Ok(Response::new(self.0.clone())))
    }
}

/// The service: `GetCitizenOverview` answered from `answer`; every other method of the
/// service is `UNIMPLEMENTED`, as a server without it would answer.
#[derive(Clone)]
struct TwelveCase {
    answer: Bytes,
}

impl<B> Service<http::Request<B>> for TwelveCase
where
    B: Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let answer = self.answer.clone();
        Box::pin(async move {
            if req.uri().path() != PATH {
                return Ok(Status::unimplemented(
                    "the twelve-case baseline serves GetCitizenOverview only",
                )
                .into_http());
            }
            let mut grpc = tonic::server::Grpc::new(PreEncoded);
            Ok(grpc.unary(Answer(answer), req).await)
        })
    }
}

impl tonic::server::NamedService for TwelveCase {
    const NAME: &'static str = "minwon.v1.CitizenCaseService";
}

/// Serves the answer read from `answer_file` (prost-encoded `CitizenOverview`) on a free
/// loopback port until stdin closes.
pub async fn serve(answer_file: &Path) -> Result<()> {
    let bytes = std::fs::read(answer_file).context("reading the captured answer")?;
    // Refuse a file that is not an overview, so a broken capture cannot pass as a baseline.
    let decoded: pb::CitizenOverview = prost::Message::decode(bytes.as_slice())
        .context("the captured answer is not an overview")?;
    anyhow::ensure!(
        !decoded.cases.is_empty(),
        "the captured answer has no cases"
    );
    let listener = crate::pin::bind_listener("127.0.0.1:0".parse()?).await?;
    crate::pin::announce_ready(&listener.local_addr()?.to_string());
    // As the hub's `server::serve` accepts: `TCP_NODELAY` on every connection (the answer
    // leaves in several writes, which Nagle would hold back).
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    tonic::transport::Server::builder()
        .add_service(TwelveCase {
            answer: Bytes::from(bytes),
        })
        .serve_with_incoming_shutdown(incoming, crate::pin::stdin_closed())
        .await?;
    Ok(())
}
