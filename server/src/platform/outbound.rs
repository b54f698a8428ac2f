//! Calls to servers someone else names: a printer's server (its address
//! typed by staff), a camera, an outside print service. Such an address must
//! not become a way into the machine's own surroundings, so every client
//! made here:
//! - follows no redirect (a `3xx` answer is an error, [`redirect`]): a
//!   printer that answers "see 169.254.169.254" is not followed there;
//! - refuses link-local and cloud-metadata addresses ([`refused_address`]),
//!   whether the URL names them or a host name resolves to them: the place a
//!   cloud machine keeps its credentials is never asked;
//! - is read with a byte cap ([`read_capped`]), so an answer cannot fill memory.
//!
//! Loopback and private networks stay allowed: a lab's printers live there.
//! What went wrong is said in our words ([`OutboundError`]); an answer's body
//! is never passed on to a page.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Why a call to an outside server did not give an answer we can use.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum OutboundError {
    #[error("its address is not one we call (link-local or a cloud metadata service)")]
    RefusedAddress,
    #[error("it could not be reached ({0})")]
    Unreachable(&'static str),
    #[error("it answered with a redirect (HTTP {0}), which is not followed")]
    Redirect(u16),
    #[error("its answer was over {0} bytes")]
    TooLarge(usize),
}

/// Whether `ip` is one no outside call may go to: link-local (IPv4
/// 169.254/16, where clouds serve instance metadata; IPv6 fe80::/10), the
/// metadata services' other addresses (AWS's fd00:ec2::254, Alibaba's
/// 100.100.100.200), and addresses that are no single host (unspecified,
/// broadcast, multicast).
pub fn refused_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => refused_v4(v4),
            None => {
                let first = v6.segments()[0];
                v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xffc0) == 0xfe80
                    || v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)
            }
        },
    }
}

fn refused_v4(v4: Ipv4Addr) -> bool {
    v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.octets()[0] == 0
        || v4 == Ipv4Addr::new(100, 100, 100, 200)
}

/// Host names that name a metadata service whatever they resolve to.
const METADATA_HOSTS: [&str; 3] = ["metadata.google.internal", "metadata", "instance-data.ec2.internal"];

/// Whether a URL's host may be called: an address literal is checked at
/// once, a name when it is resolved ([`client`]).
pub fn host_allowed(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(v4)) => !refused_v4(v4),
        Some(url::Host::Ipv6(v6)) => !refused_address(IpAddr::V6(v6)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            !METADATA_HOSTS.contains(&name.as_str())
        }
        None => false,
    }
}

/// Resolves host names as the system does, then drops refused addresses;
/// a name with nothing left is an error.
struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
            if METADATA_HOSTS.contains(&host.as_str()) {
                return Err(
                    Box::new(OutboundError::RefusedAddress) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| !refused_address(address.ip()))
                .collect();
            if found.is_empty() {
                return Err(
                    Box::new(OutboundError::RefusedAddress) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A client for outside servers: no redirects, no refused addresses, and
/// `timeout` for a whole call.
pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5).min(timeout))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(GuardedResolver))
        .build()
        .expect("an HTTP client with rustls builds")
}

/// Sends `request` (made by a [`client`]) to `url`'s server, refusing a
/// refused address literal first; a redirect is an error.
pub async fn send(request: reqwest::RequestBuilder, url: &str) -> Result<reqwest::Response, OutboundError> {
    let parsed = url::Url::parse(url).map_err(|_| OutboundError::Unreachable("not an address"))?;
    if !host_allowed(&parsed) {
        return Err(OutboundError::RefusedAddress);
    }
    let response = request.send().await.map_err(|error| {
        if refused_in(&error) {
            OutboundError::RefusedAddress
        } else if error.is_timeout() {
            OutboundError::Unreachable("no answer in time")
        } else if error.is_connect() {
            OutboundError::Unreachable("the connection was refused or the host not found")
        } else {
            OutboundError::Unreachable("the connection failed")
        }
    })?;
    redirect(&response)?;
    Ok(response)
}

/// Whether a failed call failed on a refused address (the resolver's error,
/// somewhere in its sources).
fn refused_in(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = source {
        if error.downcast_ref::<OutboundError>() == Some(&OutboundError::RefusedAddress) {
            return true;
        }
        source = error.source();
    }
    false
}

/// A redirect, as an error: clients made here follow none.
pub fn redirect(response: &reqwest::Response) -> Result<(), OutboundError> {
    match response.status() {
        status if status.is_redirection() => Err(OutboundError::Redirect(status.as_u16())),
        _ => Ok(()),
    }
}

/// The answer's body, at most `most` bytes (more is an error, found before
/// more than `most` is held).
pub async fn read_capped(mut response: reqwest::Response, most: usize) -> Result<Vec<u8>, OutboundError> {
    if response.content_length().is_some_and(|length| length > most as u64) {
        return Err(OutboundError::TooLarge(most));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) =
        response.chunk().await.map_err(|_| OutboundError::Unreachable("the answer broke off"))?
    {
        if bytes.len() + chunk.len() > most {
            return Err(OutboundError::TooLarge(most));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_local_and_metadata_addresses_are_refused_and_a_labs_network_is_not() {
        for refused in [
            "169.254.169.254",
            "169.254.1.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "100.100.100.200",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:169.254.169.254",
            "::",
        ] {
            assert!(refused_address(refused.parse().unwrap()), "{refused}");
        }
        for allowed in ["127.0.0.1", "10.0.0.5", "192.168.1.20", "172.16.0.9", "100.64.0.1", "::1", "fd12::5"]
        {
            assert!(!refused_address(allowed.parse().unwrap()), "{allowed}");
        }
        for (url, allowed) in [
            ("http://169.254.169.254/latest/meta-data/", false),
            ("http://[fe80::1]:5000", false),
            ("http://[::ffff:a9fe:a9fe]/", false),
            ("http://metadata.google.internal/computeMetadata/v1/", false),
            ("http://METADATA.google.internal./", false),
            ("http://printer-1.lab:5000", true),
            ("http://192.168.1.20:5000", true),
        ] {
            assert_eq!(host_allowed(&url::Url::parse(url).unwrap()), allowed, "{url}");
        }
    }

    /// A server on loopback that answers every request with `answer`.
    async fn answering(answer: &'static str) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let _ = socket.write_all(answer.as_bytes()).await;
            }
        });
        format!("http://{address}")
    }

    #[tokio::test]
    async fn a_redirect_is_an_error_not_followed() {
        let base = answering(
            "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/\r\nContent-Length: 0\r\n\r\n",
        )
        .await;
        let http = client(Duration::from_secs(5));
        let error = send(http.get(&base), &base).await.unwrap_err();
        assert_eq!(error, OutboundError::Redirect(302));
        let refused = "http://169.254.169.254/latest/meta-data/";
        assert_eq!(send(http.get(refused), refused).await.unwrap_err(), OutboundError::RefusedAddress);
    }

    #[tokio::test]
    async fn an_answer_is_read_up_to_its_cap() {
        let base = answering("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789").await;
        let http = client(Duration::from_secs(5));
        let small = send(http.get(&base), &base).await.unwrap();
        assert_eq!(read_capped(small, 10).await.unwrap(), b"0123456789");
        let large = send(http.get(&base), &base).await.unwrap();
        assert_eq!(read_capped(large, 9).await.unwrap_err(), OutboundError::TooLarge(9));
        // Without a length the cap holds as the answer streams.
        let base = answering("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n0123456789").await;
        let streamed = send(http.get(&base), &base).await.unwrap();
        assert_eq!(read_capped(streamed, 4).await.unwrap_err(), OutboundError::TooLarge(4));
    }
}
