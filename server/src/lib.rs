//! The Memoreez server: configuration, database, storage, sessions and the
//! HTTP surface (pages, server functions and the JSON API).

pub mod backend;
pub mod card_payments;
pub mod cli;
pub mod concepts;
pub mod config;
pub mod creations;
pub mod db;
pub mod error;
pub mod glb;
pub mod http;
pub mod image_to_3d;
pub mod jobs;
pub mod mail;
pub mod meshy;
pub mod models;
pub mod order_payments;
pub mod orders;
pub mod outside;
pub mod quotes;
pub mod remote_worker;
pub mod serve;
pub mod session;
pub mod signed_links;
pub mod slant3d;
pub mod state;
pub mod storage;
pub mod studio;
pub mod text_to_3d;
pub mod time;
pub mod tools;
pub mod upload_form;
pub mod uploads;
pub mod worker_tokens;
pub mod workers;
