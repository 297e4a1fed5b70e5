//! The SDK's HTTP connector, wrapped: every request (each SDK retry too) first takes a token
//! from the account's rate bucket (`crate::http::Bucket`, Route 53's 5 requests per second),
//! and XML CDATA sections in responses are resolved before the SDK reads them.
//!
//! The SDK's XML decoder ignores CDATA, so a `<Value><![CDATA[10 mx.example.]]></Value>` reads
//! as an empty value. Route 53 escapes text instead, but CDATA is valid XML and the Route 53
//! emulator (moto) sends every rrset value that way. This HTTP client wrapper buffers each
//! response (Route 53 responses are small XML documents) and rewrites CDATA sections as
//! escaped text, which means the same to any XML reader.

use std::sync::Arc;

use aws_sdk_route53::config::{HttpClient, SharedHttpClient};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;

use crate::http::Bucket;

#[derive(Debug)]
pub struct Wrapped {
    pub inner: SharedHttpClient,
    pub bucket: Arc<Bucket>,
}

impl HttpClient for Wrapped {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(Connector(
            self.inner.http_connector(settings, components),
            self.bucket.clone(),
        ))
    }
}

#[derive(Debug)]
struct Connector(SharedHttpConnector, Arc<Bucket>);

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, bucket) = (self.0.clone(), self.1.clone());
        HttpConnectorFuture::new(async move {
            bucket.acquire().await;
            let mut resp = inner.call(request).await?;
            let body = resp.take_body();
            let bytes = ByteStream::new(body)
                .collect()
                .await
                .map_err(|e| ConnectorError::io(e.into()))?
                .into_bytes();
            if memchr(&bytes, b"<![CDATA[") {
                resp.headers_mut().remove("content-length");
                *resp.body_mut() = SdkBody::from(resolve(&bytes));
            } else {
                *resp.body_mut() = SdkBody::from(bytes);
            }
            Ok(resp)
        })
    }
}

fn memchr(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Every `<![CDATA[…]]>` replaced by its text, escaped.
pub fn resolve(xml: &[u8]) -> Vec<u8> {
    const OPEN: &[u8] = b"<![CDATA[";
    const CLOSE: &[u8] = b"]]>";
    let mut out = Vec::with_capacity(xml.len());
    let mut i = 0;
    while i < xml.len() {
        if xml[i..].starts_with(OPEN) {
            let start = i + OPEN.len();
            let end = xml[start..]
                .windows(CLOSE.len())
                .position(|w| w == CLOSE)
                .map(|p| start + p);
            if let Some(end) = end {
                for &b in &xml[start..end] {
                    match b {
                        b'&' => out.extend_from_slice(b"&amp;"),
                        b'<' => out.extend_from_slice(b"&lt;"),
                        b'>' => out.extend_from_slice(b"&gt;"),
                        b'"' => out.extend_from_slice(b"&quot;"),
                        b'\'' => out.extend_from_slice(b"&apos;"),
                        _ => out.push(b),
                    }
                }
                i = end + CLOSE.len();
                continue;
            }
        }
        out.push(xml[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn cdata_becomes_escaped_text() {
        let x = b"<Value><![CDATA[0 issue \"ca\" <&>]]></Value><V>a &amp; b</V>";
        assert_eq!(
            String::from_utf8(resolve(x)).unwrap(),
            "<Value>0 issue &quot;ca&quot; &lt;&amp;&gt;</Value><V>a &amp; b</V>"
        );
        // unterminated: left alone
        assert_eq!(resolve(b"<![CDATA[x"), b"<![CDATA[x".to_vec());
    }
}
