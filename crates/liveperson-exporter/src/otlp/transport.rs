//! Delivering an encoded export request: OTLP/HTTP with reqwest, OTLP/gRPC with tonic.
//!
//! Both send the request bytes as they are (gRPC through a codec that writes them unchanged), with
//! the configured headers, compression and timeout. A response is read to at most 64 KiB; a
//! partial success (points the receiver rejected) is logged. Nothing is retried within an export:
//! the next export carries cumulative totals anyway, and delta baselines only move on success.

use std::io::Write as _;
use std::time::Duration;

use bytes::{BufMut as _, Bytes};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceResponse;
use prost::Message as _;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;

use super::config::{Compression, OtlpConfig, Protocol};

/// Longest response body read.
const MAX_RESPONSE: usize = 64 << 10;

/// The gRPC method of an export.
const EXPORT_METHOD: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

/// Where and how requests go.
pub struct Transport(Via);

enum Via {
    /// OTLP/HTTP with protobuf bodies.
    Http {
        client: reqwest::Client,
        url: String,
        headers: reqwest::header::HeaderMap,
        gzip: bool,
    },
    /// OTLP/gRPC.
    Grpc {
        client: tonic::client::Grpc<tonic::transport::Channel>,
        metadata: tonic::metadata::MetadataMap,
        timeout: Duration,
    },
}

impl Transport {
    /// A transport as `cfg` says; connections are made on first use.
    pub fn new(cfg: &OtlpConfig) -> anyhow::Result<Self> {
        match cfg.protocol {
            Protocol::HttpProtobuf => {
                crate::liveperson::install_tls_provider();
                let mut headers = reqwest::header::HeaderMap::new();
                for (k, v) in &cfg.headers {
                    headers.insert(
                        reqwest::header::HeaderName::from_bytes(k.as_bytes())?,
                        reqwest::header::HeaderValue::from_str(v.expose())?,
                    );
                }
                headers.insert(
                    reqwest::header::CONTENT_TYPE,
                    reqwest::header::HeaderValue::from_static("application/x-protobuf"),
                );
                if cfg.compression == Compression::Gzip {
                    headers.insert(
                        reqwest::header::CONTENT_ENCODING,
                        reqwest::header::HeaderValue::from_static("gzip"),
                    );
                }
                let client = reqwest::Client::builder()
                    .timeout(cfg.timeout)
                    .user_agent(concat!("liveperson-exporter/", env!("CARGO_PKG_VERSION")))
                    .build()?;
                Ok(Transport(Via::Http {
                    client,
                    url: cfg.endpoint.clone(),
                    headers,
                    gzip: cfg.compression == Compression::Gzip,
                }))
            }
            Protocol::Grpc => {
                // https endpoints get TLS with the system's roots.
                let channel = tonic::transport::Endpoint::from_shared(cfg.endpoint.clone())?
                    .connect_timeout(cfg.timeout)
                    .timeout(cfg.timeout)
                    .connect_lazy();
                let mut client = tonic::client::Grpc::new(channel);
                if cfg.compression == Compression::Gzip {
                    client = client.send_compressed(tonic::codec::CompressionEncoding::Gzip);
                }
                let mut metadata = tonic::metadata::MetadataMap::new();
                for (k, v) in &cfg.headers {
                    metadata.insert(
                        tonic::metadata::MetadataKey::from_bytes(k.as_bytes())?,
                        v.expose().parse()?,
                    );
                }
                Ok(Transport(Via::Grpc {
                    client,
                    metadata,
                    timeout: cfg.timeout,
                }))
            }
        }
    }

    /// The body to send for `request`: gzipped for OTLP/HTTP with compression (gRPC compresses
    /// by itself). CPU work: call it off the async workers.
    pub fn prepare(&self, request: Bytes) -> Bytes {
        match self.0 {
            Via::Http { gzip: true, .. } => gzip(&request),
            _ => request,
        }
    }

    /// Sends one request; the error says what failed, without the endpoint's user info or any
    /// header value.
    pub async fn send(&self, body: Bytes) -> Result<(), String> {
        let response = match &self.0 {
            Via::Http {
                client,
                url,
                headers,
                ..
            } => send_http(client, url, headers, body).await?,
            Via::Grpc {
                client,
                metadata,
                timeout,
            } => {
                let mut client = client.clone();
                client.ready().await.map_err(|e| chain(&e))?;
                let mut request = tonic::Request::new(body);
                *request.metadata_mut() = metadata.clone();
                request.set_timeout(*timeout);
                let path = PathAndQuery::from_static(EXPORT_METHOD);
                client
                    .unary(request, path, Raw)
                    .await
                    .map_err(|s| format!("gRPC {:?}: {}", s.code(), s.message()))?
                    .into_inner()
            }
        };
        if let Some(p) = response
            .partial_success
            .filter(|p| p.rejected_data_points > 0)
        {
            tracing::warn!(rejected = p.rejected_data_points, message = %p.error_message,
                "OTLP: the receiver rejected some data points");
        }
        Ok(())
    }
}

async fn send_http(
    client: &reqwest::Client,
    url: &str,
    headers: &reqwest::header::HeaderMap,
    body: Bytes,
) -> Result<ExportMetricsServiceResponse, String> {
    let mut response = client
        .post(url)
        .headers(headers.clone())
        .body(body)
        .send()
        .await
        .map_err(|e| chain(&e.without_url()))?;
    let status = response.status();
    let mut read = Vec::new();
    while read.len() < MAX_RESPONSE {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                read.extend_from_slice(&chunk[..chunk.len().min(MAX_RESPONSE - read.len())])
            }
            Ok(None) => break,
            Err(e) if status.is_success() => return Err(chain(&e.without_url())),
            Err(_) => break,
        }
    }
    if !status.is_success() {
        let text = String::from_utf8_lossy(&read[..read.len().min(300)]).into_owned();
        return Err(format!("HTTP {status}: {}", text.trim()));
    }
    // An empty or unreadable body still means success: the status says so.
    Ok(ExportMetricsServiceResponse::decode(read.as_slice()).unwrap_or_default())
}

/// `e` and its causes, joined: reqwest's and tonic's own texts hide the cause.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// `body` gzipped, for OTLP/HTTP's `Content-Encoding: gzip`.
fn gzip(body: &[u8]) -> Bytes {
    let mut e = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::default(),
    );
    // Writing to a Vec cannot fail.
    let _ = e.write_all(body);
    Bytes::from(e.finish().unwrap_or_default())
}

/// The gRPC codec: the request is already encoded, the response is decoded with prost.
#[derive(Clone, Copy, Default)]
struct Raw;

impl Codec for Raw {
    type Encode = Bytes;
    type Decode = ExportMetricsServiceResponse;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Bytes;
    type Error = tonic::Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = ExportMetricsServiceResponse;
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, tonic::Status> {
        ExportMetricsServiceResponse::decode(src)
            .map(Some)
            .map_err(|e| tonic::Status::internal(e.to_string()))
    }
}
