//! Email: the outbox written with what each message is about, the sender
//! (SMTP or `.eml` files), and the text of every message.

pub mod lab;
pub mod letter;
pub mod outbox;
pub mod sender;
pub mod shop;
