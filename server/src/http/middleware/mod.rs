//! What wraps every request: body caps, rate limits, the customer's
//! generation session, security headers, the staff gate, and the refusals
//! they answer with.

pub mod body_limits;
pub mod generation_sessions;
pub mod rate_limits;
pub mod refusals;
pub mod security_headers;
pub mod staff_gate;
