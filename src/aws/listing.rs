//! Listings a run makes once and shares between the reads of many resources (a stage's EventBridge
//! rules, its security groups): one paginated List/Describe call instead of one call per resource.
//! A listing is as fresh as the mutating calls made before it: any mutating call since it was
//! made, and the next read asks AWS again.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use tokio::sync::OnceCell;

/// One kind of listing, by key (e.g. the stage's name prefix).
pub struct Listings<T> {
    cells: Mutex<HashMap<String, Cell<T>>>,
}

/// A listing made (or being made) after `epoch` mutating calls.
struct Cell<T> {
    epoch: usize,
    value: Arc<OnceCell<Arc<T>>>,
}

impl<T> Default for Listings<T> {
    fn default() -> Self {
        Listings {
            cells: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> Listings<T> {
    /// The listing of `key`, made by `make` unless one made after `epoch` mutating calls (the
    /// run's count now) is there or under way: callers that come while it is being made wait for
    /// it. A failed listing is not kept: the next caller makes it again.
    pub async fn get<F, Fut>(&self, key: &str, epoch: usize, make: F) -> Result<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let cell = {
            let mut cells = self.cells.lock().expect("not poisoned");
            let cell = cells.entry(key.to_string()).or_insert_with(|| Cell {
                epoch,
                value: Arc::new(OnceCell::new()),
            });
            if cell.epoch != epoch {
                *cell = Cell {
                    epoch,
                    value: Arc::new(OnceCell::new()),
                };
            }
            cell.value.clone()
        };
        cell.get_or_try_init(|| async { make().await.map(Arc::new) })
            .await
            .cloned()
    }
}

impl<T> Listings<T> {
    /// Drops the listing of `key`: the next caller makes it again (a resource a read must see was
    /// not in it, and it may be newer than the listing).
    pub fn forget(&self, key: &str) {
        self.cells.lock().expect("not poisoned").remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn callers_at_the_same_epoch_share_one_listing_and_a_mutation_makes_a_new_one() {
        let l: Listings<usize> = Listings::default();
        let made = AtomicUsize::new(0);
        let make = || async {
            tokio::task::yield_now().await;
            Ok(made.fetch_add(1, Ordering::SeqCst))
        };
        let (a, b) = tokio::join!(l.get("k", 0, make), l.get("k", 0, make));
        assert_eq!((*a.unwrap(), *b.unwrap()), (0, 0));
        assert_eq!(made.load(Ordering::SeqCst), 1, "one listing for both");
        assert_eq!(*l.get("other", 0, make).await.unwrap(), 1, "another key");
        assert_eq!(*l.get("k", 1, make).await.unwrap(), 2, "after a mutation");
        assert_eq!(*l.get("k", 1, make).await.unwrap(), 2);
        l.forget("k");
        assert_eq!(*l.get("k", 1, make).await.unwrap(), 3, "forgotten");
    }

    #[tokio::test]
    async fn a_failed_listing_is_made_again() {
        let l: Listings<u8> = Listings::default();
        let failed = l.get("k", 0, || async { anyhow::bail!("throttled") }).await;
        assert!(failed.is_err());
        assert_eq!(*l.get("k", 0, || async { Ok(7) }).await.unwrap(), 7);
    }
}
