//! The Memoreez server, one room per domain over a platform layer.
//! `docs/architecture.md` maps where each thing lives.

pub mod cli; // the `memoreez` command line: serve, worker, migrate, the file tools, admin
pub mod generation; // creations, concept designs, providers, image → 3D, text → 3D, uploads
pub mod http; // the router that merges each room's routes, the API error, middleware, pages
pub mod jobs; // the job queue with leases, in-process and remote workers, the orphan sweep
pub mod lab; // the print lab: submissions, print jobs, staff actions, folders, sliced files
pub mod mail; // the outbox, its sender, and every message's text
pub mod payments; // Stripe Checkout and its signed webhook
pub mod platform; // config, database, storage, time, tokens, links, live updates, logs, backups
pub mod printers; // the lab's printers: rows, the OctoPrint and Moonraker clients, the status poller
pub mod reports; // the staff reports: shop funnel and lab overview
pub mod shop; // quotes, the studio's keepsakes, orders, outside fulfilment
pub mod staff; // staff sign-in and first-run setup
pub mod state; // what every handler reaches: the parts built from the configuration
pub mod workers; // the workers that run every room's jobs, the remote worker, the orphan sweep
