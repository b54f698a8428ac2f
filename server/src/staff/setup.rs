//! The first-run setup link: while no staff password is set, `serve` prints
//! a link with a code only this server can make (signed with its link
//! secret), so the password is set by whoever can read the server's log —
//! not by the first stranger to find `/staff/setup`.

use crate::platform::signed_links::LinkSigner;

const SETUP_PATH: &str = "/staff/setup";
/// The code never expires; it stops mattering once a password is set.
const NEVER: i64 = i64::MAX / 2;

/// `/staff/setup?code=…` on this server's public address.
pub fn link(links: &LinkSigner, public_url: &str) -> String {
    let signed = links.sign(SETUP_PATH, NEVER);
    let sig = signed.rsplit("&sig=").next().unwrap_or_default();
    format!("{}{SETUP_PATH}?code={sig}", public_url.trim_end_matches('/'))
}

pub fn code_opens(links: &LinkSigner, code: &str) -> bool {
    links.verify(SETUP_PATH, NEVER, code, 0)
}
