//! Places to be had by client address, under a cap per address and one in
//! all: open live streams (`changes`) and heavy mesh requests (`mesh_work`)
//! both count their holders this way. A [`Place`] is given back when it drops.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Why a place was not given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The address holds its share already (429).
    ClientBusy,
    /// Every place is taken (503).
    Full,
}

#[derive(Debug)]
pub struct Places(Arc<Held>);

#[derive(Debug)]
struct Held {
    per_client: usize,
    most: usize,
    /// Places held per address; the total is their sum, kept beside them
    /// under the same lock so two takers cannot both have the last place.
    counts: Mutex<(usize, HashMap<String, usize>)>,
}

/// A place held by one address until it drops.
#[derive(Debug)]
pub struct Place {
    held: Arc<Held>,
    client: String,
}

impl Places {
    pub fn new(per_client: usize, most: usize) -> Places {
        Places(Arc::new(Held { per_client, most, counts: Mutex::new((0, HashMap::new())) }))
    }

    /// A place for `client`, or why not.
    pub fn take(&self, client: &str) -> Result<Place, Refusal> {
        let mut counts = self.0.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (total, clients) = &mut *counts;
        let mine = clients.get(client).copied().unwrap_or(0);
        if mine >= self.0.per_client {
            return Err(Refusal::ClientBusy);
        }
        if *total >= self.0.most {
            return Err(Refusal::Full);
        }
        *total += 1;
        clients.insert(client.to_string(), mine + 1);
        Ok(Place { held: self.0.clone(), client: client.to_string() })
    }

    /// Places held now, in all.
    pub fn taken(&self) -> usize {
        self.0.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).0
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut counts = self.held.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (total, clients) = &mut *counts;
        *total -= 1;
        if let Some(mine) = clients.get_mut(&self.client) {
            *mine -= 1;
            if *mine == 0 {
                clients.remove(&self.client);
            }
        }
    }
}
