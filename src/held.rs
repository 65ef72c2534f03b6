//! What the boundary holds for the numbers the core hands out — an attempt's controller, a
//! timer's handle, a call's promise functions, a subscriber — behind a cell, so that callbacks
//! can reach it through a shared driver. Few are held at a time: a list. No borrow outlives a
//! method, so JavaScript called with what was taken may call back in.

use std::cell::RefCell;

/// Values held under numbers.
#[derive(Debug)]
pub struct Held<T>(RefCell<Vec<(u32, T)>>);

impl<T> Default for Held<T> {
    fn default() -> Self {
        Self(RefCell::new(Vec::new()))
    }
}

impl<T> Held<T> {
    /// Holds `value` under `id`.
    pub fn put(&self, id: u32, value: T) {
        self.0.borrow_mut().push((id, value));
    }

    /// Lets go of what is held under `id`, and returns it.
    pub fn take(&self, id: u32) -> Option<T> {
        let mut held = self.0.borrow_mut();
        let at = held.iter().position(|(held, _)| *held == id)?;
        Some(held.remove(at).1)
    }

    /// Changes what is held under `id`; false when nothing is.
    pub fn update(&self, id: u32, change: impl FnOnce(&mut T)) -> bool {
        let mut held = self.0.borrow_mut();
        let found = held.iter_mut().find(|(held, _)| *held == id);
        found.map(|(_, value)| change(value)).is_some()
    }

    /// Lets go of what is held under any of `ids`, and returns it, in the order put.
    pub fn take_all(&self, ids: &[u32]) -> Vec<T> {
        let mut held = self.0.borrow_mut();
        let (mut taken, mut at) = (Vec::new(), 0);
        while let Some((id, _)) = held.get(at) {
            match ids.contains(id) {
                true => taken.push(held.remove(at).1),
                false => at += 1,
            }
        }
        taken
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }

    /// Lets go of everything.
    pub fn clear(&self) {
        self.0.borrow_mut().clear();
    }
}

impl<T: Clone> Held<T> {
    /// Copies of everything held, in the order put.
    pub fn values(&self) -> Vec<T> {
        self.0
            .borrow()
            .iter()
            .map(|(_, value)| value.clone())
            .collect()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::Held;

    #[test]
    fn what_is_taken_is_held_no_more_and_the_rest_keeps_its_order() {
        let held = Held::default();
        for (id, value) in [(1, "a"), (2, "b"), (3, "c"), (4, "d")] {
            held.put(id, value);
        }
        assert_eq!(held.take(2), Some("b"));
        assert_eq!(held.take(2), None);
        assert!(held.update(3, |v| *v = "C") && !held.update(9, |_| unreachable!()));
        assert_eq!(held.take_all(&[4, 1, 7]), ["a", "d"]);
        assert_eq!(held.values(), ["C"]);
        held.clear();
        assert!(held.is_empty());
    }

    #[test]
    fn a_value_taken_can_reach_the_holder_again() {
        let held = Held::default();
        held.put(1, 10);
        held.put(2, 20);
        if let Some(value) = held.take(1) {
            held.put(3, value + 1);
        }
        assert_eq!(held.values(), [20, 11]);
    }
}
