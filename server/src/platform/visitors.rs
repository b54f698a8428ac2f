//! Who a customer is between visits, as every room stores it: the
//! session middleware (`http::session`) makes it from the visitor's cookie.

/// The visitor's id as stored in the database: the token's SHA-256, hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitorId(pub String);
