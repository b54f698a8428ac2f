//! Which address a request came from, for rate limits and sign-in limits.
//!
//! Behind a reverse proxy every connection comes from the proxy, so its
//! `X-Forwarded-For` is believed, but only when the connection itself comes
//! from an address listed in `MEMOREEZ_TRUSTED_PROXIES`: anyone else could
//! write any address there and get a fresh budget with each request.

use std::net::IpAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The client's address as [`middleware`] worked it out, in every request's extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub String);

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// `"10.0.0.0/8, 127.0.0.1, ::1"`: addresses and networks, comma-separated.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let mut networks = Vec::new();
        for item in list.split(',').map(str::trim).filter(|item| !item.is_empty()) {
            let network = item
                .parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{item:?} is not an address or a network like 10.0.0.0/8"))?;
            networks.push(network);
        }
        Ok(TrustedProxies(networks))
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client of a connection from `peer` that carried `forwarded_for`
    /// (every `X-Forwarded-For` value, in order): the right-most address that
    /// is not one of our proxies, since each proxy appends the address it
    /// saw and only our own proxies' additions can be believed.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return peer.to_canonical();
        }
        let mut client = peer.to_canonical();
        let hops = forwarded_for.iter().flat_map(|value| value.split(',')).map(str::trim);
        for hop in hops.rev() {
            match hop.parse::<IpAddr>() {
                Ok(address) => {
                    client = address.to_canonical();
                    if !self.trusts(address) {
                        break;
                    }
                }
                // A garbled hop: nothing left of it can be believed.
                Err(_) => break,
            }
        }
        client
    }
}

/// Works out the client's address once, for everything after it.
pub async fn middleware(State(proxies): State<TrustedProxies>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|info| info.0.ip());
    let address = match peer {
        Some(peer) => {
            let forwarded: Vec<&str> = request
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|value| value.to_str().ok())
                .collect();
            limit_key(proxies.client(peer, &forwarded))
        }
        // Tests that call the router directly have no connection.
        None => "unknown".to_string(),
    };
    request.extensions_mut().insert(ClientAddress(address));
    next.run(request).await
}

/// What the limits count an address as: an IPv4 address itself, an IPv6
/// address by its /64 network (one household or server is given a whole
/// /64, so counting single addresses would give it 2⁶⁴ budgets).
pub fn limit_key(address: IpAddr) -> String {
    match address {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let network = ipnet::Ipv6Net::new(v6, 64).expect("64 is a prefix length").trunc();
            network.to_string()
        }
        IpAddr::V6(v6) => v6.to_ipv4_mapped().expect("mapped").to_string(),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// The client's address of a request that went through [`middleware`].
pub fn of(request: &http::request::Parts) -> String {
    request
        .extensions
        .get::<ClientAddress>()
        .map(|address| address.0.clone())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(proxies.client(ip("203.0.113.9"), &["1.2.3.4"]), ip("203.0.113.9"));
        assert_eq!(TrustedProxies::default().client(ip("127.0.0.1"), &["1.2.3.4"]), ip("127.0.0.1"));
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_a_spoofed_hop_is_ignored() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").unwrap();
        // The client wrote 6.6.6.6 itself; our proxy appended what it saw.
        assert_eq!(proxies.client(ip("127.0.0.1"), &["6.6.6.6, 198.51.100.7"]), ip("198.51.100.7"));
        // Two of our proxies in a row, over two header lines.
        assert_eq!(proxies.client(ip("10.1.1.1"), &["198.51.100.7", "10.2.2.2"]), ip("198.51.100.7"));
        // No header: the proxy itself.
        assert_eq!(proxies.client(ip("10.1.1.1"), &[]), ip("10.1.1.1"));
        // Garbage stops the walk at the last address believed.
        assert_eq!(proxies.client(ip("10.1.1.1"), &["1.1.1.1, nonsense"]), ip("10.1.1.1"));
    }

    #[test]
    fn ipv4_mapped_ipv6_peers_match_ipv4_networks() {
        let proxies = TrustedProxies::parse("127.0.0.1").unwrap();
        assert_eq!(proxies.client(ip("::ffff:127.0.0.1"), &["198.51.100.7"]), ip("198.51.100.7"));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        assert_eq!(limit_key(ip("2001:db8:1:2::1")), "2001:db8:1:2::/64");
        assert_eq!(limit_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")), "2001:db8:1:2::/64");
        assert_ne!(limit_key(ip("2001:db8:1:3::1")), limit_key(ip("2001:db8:1:2::1")));
        assert_eq!(limit_key(ip("::ffff:198.51.100.7")), "198.51.100.7");
        assert_eq!(limit_key(ip("198.51.100.7")), "198.51.100.7");
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        assert!(TrustedProxies::parse("10.0.0.0/8, proxy.local").unwrap_err().contains("proxy.local"));
        assert!(TrustedProxies::parse("").is_ok());
    }
}
