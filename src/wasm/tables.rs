//! Live tables by handle, so `MetricSpec.evaluate({ transactions, spend })` can take instances
//! inside a plain object. Each `Transactions` and `Spend` registers a weak reference to its
//! table under a handle when built; a handle read from an object resolves only to a table that
//! is still alive (a freed instance, or any other value, resolves to nothing). No pointer
//! crosses from JS: a forged handle can at most name another live table.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

type Registry<T> = RefCell<Vec<(u32, Weak<T>)>>;

thread_local! {
    /// One counter for both kinds, so a handle never names a table of the other kind.
    static NEXT: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    static TRANSACTIONS: Registry<crate::Transactions> = const { RefCell::new(Vec::new()) };
    static SPEND: Registry<crate::data::spend::Spend> = const { RefCell::new(Vec::new()) };
}

fn register<T>(reg: &Registry<T>, table: &Rc<T>) -> u32 {
    let id = NEXT.with(|n| {
        let id = n.get().wrapping_add(1).max(1);
        n.set(id);
        id
    });
    let mut r = reg.borrow_mut();
    r.retain(|(_, w)| w.strong_count() > 0);
    r.push((id, Rc::downgrade(table)));
    id
}

fn lookup<T>(reg: &Registry<T>, id: u32) -> Option<Rc<T>> {
    reg.borrow()
        .iter()
        .find(|(i, _)| *i == id)
        .and_then(|(_, w)| w.upgrade())
}

pub(crate) fn register_transactions(t: &Rc<crate::Transactions>) -> u32 {
    TRANSACTIONS.with(|r| register(r, t))
}

pub(crate) fn register_spend(t: &Rc<crate::data::spend::Spend>) -> u32 {
    SPEND.with(|r| register(r, t))
}

pub(crate) fn transactions(id: u32) -> Option<Rc<crate::Transactions>> {
    TRANSACTIONS.with(|r| lookup(r, id))
}

pub(crate) fn spend(id: u32) -> Option<Rc<crate::data::spend::Spend>> {
    SPEND.with(|r| lookup(r, id))
}
