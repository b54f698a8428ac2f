//! Staff over HTTP: the server's side of the staff pages (sign-in, the
//! queue, a job's page and its actions, printers, the outbox).

pub mod pages;
