//! A small ordered map from byte strings to `u32`: a treap (a binary search tree kept balanced by
//! random priorities) in one vector. The token map's three indexes need only `get`, `insert`,
//! `remove` and in-order iteration from a key; `std`'s `BTreeMap` does the same in about 7 KB of
//! wasm, this in about 1.5 KB (README, "Size"). Expected `O(log n)` per operation.

/// No node.
const NIL: u32 = u32::MAX;

#[derive(Debug)]
struct Node {
    key: Vec<u8>,
    value: u32,
    priority: u32,
    left: u32,
    right: u32,
}

/// An ordered map from byte strings to `u32`.
#[derive(Debug)]
pub struct OrdMap {
    nodes: Vec<Node>,
    /// Indexes of removed nodes, reused before the vector grows.
    free: Vec<u32>,
    root: u32,
    /// xorshift32 state for the priorities.
    seed: u32,
}

impl Default for OrdMap {
    fn default() -> Self {
        Self {
            nodes: Vec::new(),
            free: Vec::new(),
            root: NIL,
            seed: 0x9e37_79b9,
        }
    }
}

impl OrdMap {
    fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    fn node_mut(&mut self, i: u32) -> &mut Node {
        &mut self.nodes[i as usize]
    }

    fn find(&self, key: &[u8]) -> Option<u32> {
        let mut t = self.root;
        while t != NIL {
            let node = self.node(t);
            t = match key.cmp(&node.key) {
                std::cmp::Ordering::Less => node.left,
                std::cmp::Ordering::Greater => node.right,
                std::cmp::Ordering::Equal => return Some(t),
            };
        }
        None
    }

    /// Splits `t` into the keys before `key` (or up to it, with `or_equal`) and the rest.
    fn split(&mut self, t: u32, key: &[u8], or_equal: bool) -> (u32, u32) {
        if t == NIL {
            return (NIL, NIL);
        }
        let node_key = self.node(t).key.as_slice();
        if node_key < key || (or_equal && node_key == key) {
            let (l, r) = self.split(self.node(t).right, key, or_equal);
            self.node_mut(t).right = l;
            (t, r)
        } else {
            let (l, r) = self.split(self.node(t).left, key, or_equal);
            self.node_mut(t).left = r;
            (l, t)
        }
    }

    /// Joins two treaps whose keys are all ordered `a` before `b`.
    fn merge(&mut self, a: u32, b: u32) -> u32 {
        if a == NIL || b == NIL {
            return if a == NIL { b } else { a };
        }
        if self.node(a).priority > self.node(b).priority {
            let right = self.merge(self.node(a).right, b);
            self.node_mut(a).right = right;
            a
        } else {
            let left = self.merge(a, self.node(b).left);
            self.node_mut(b).left = left;
            b
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &[u8]) -> Option<u32> {
        self.find(key).map(|t| self.node(t).value)
    }

    /// Splits the map into the keys before `key`, the node of `key` (or `NIL`) and the rest.
    fn cut(&mut self, key: &[u8]) -> (u32, u32, u32) {
        let (before, rest) = self.split(self.root, key, false);
        let (equal, after) = self.split(rest, key, true);
        (before, equal, after)
    }

    /// Sets the value of `key`, adding it when missing; returns the value it had.
    pub fn insert(&mut self, key: Vec<u8>, value: u32) -> Option<u32> {
        let (before, mut t, after) = self.cut(&key);
        let old = (t != NIL).then(|| self.node(t).value);
        if t == NIL {
            self.seed ^= self.seed << 13;
            self.seed ^= self.seed >> 17;
            self.seed ^= self.seed << 5;
            let node = Node {
                key,
                value,
                priority: self.seed,
                left: NIL,
                right: NIL,
            };
            t = match self.free.pop() {
                Some(t) => {
                    self.nodes[t as usize] = node;
                    t
                }
                None => {
                    self.nodes.push(node);
                    self.nodes.len() as u32 - 1
                }
            };
        }
        self.node_mut(t).value = value;
        let left = self.merge(before, t);
        self.root = self.merge(left, after);
        old
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<u32> {
        let (before, t, after) = self.cut(key);
        self.root = self.merge(before, after);
        if t == NIL {
            return None;
        }
        let node = self.node_mut(t);
        node.key = Vec::new();
        self.free.push(t);
        Some(self.node(t).value)
    }

    /// The entries from `from` on, in key order.
    pub fn from(&self, from: &[u8]) -> Iter<'_> {
        let mut iter = Iter {
            map: self,
            stack: Vec::new(),
        };
        let mut t = self.root;
        while t != NIL {
            let node = self.node(t);
            if node.key.as_slice() >= from {
                iter.stack.push(t);
                t = node.left;
            } else {
                t = node.right;
            }
        }
        iter
    }
}

/// In-order iteration, a stack of the nodes still to visit.
pub struct Iter<'a> {
    map: &'a OrdMap,
    stack: Vec<u32>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], u32);

    fn next(&mut self) -> Option<Self::Item> {
        let t = self.stack.pop()?;
        let node = self.map.node(t);
        let mut next = node.right;
        while next != NIL {
            self.stack.push(next);
            next = self.map.node(next).left;
        }
        Some((node.key.as_slice(), node.value))
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        #[test]
        fn behaves_like_a_btreemap(
            ops in prop::collection::vec((0u8..3, prop::collection::vec(0u8..4, 0..4), any::<u32>()), 1..300),
            from in prop::collection::vec(0u8..4, 0..4),
        ) {
            let mut map = OrdMap::default();
            let mut model = BTreeMap::new();
            for (op, key, value) in ops {
                match op {
                    0 => prop_assert_eq!(map.remove(&key), model.remove(&key)),
                    _ => prop_assert_eq!(map.insert(key.clone(), value), model.insert(key, value)),
                }
            }
            for (key, value) in &model {
                prop_assert_eq!(map.get(key), Some(*value));
            }
            let ours: Vec<_> = map.from(&from).map(|(k, v)| (k.to_vec(), v)).collect();
            let theirs: Vec<_> = model.range(from..).map(|(k, v)| (k.clone(), *v)).collect();
            prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn stays_shallow_for_sorted_inserts() {
        let mut map = OrdMap::default();
        for i in 0u32..100_000 {
            map.insert(i.to_be_bytes().to_vec(), i);
        }
        fn depth(map: &OrdMap, t: u32) -> usize {
            if t == NIL {
                0
            } else {
                1 + depth(map, map.node(t).left).max(depth(map, map.node(t).right))
            }
        }
        // A balanced tree of 100 000 keys is 17 deep; a treap's expected depth is about 2.5x that.
        assert!(
            depth(&map, map.root) < 100,
            "depth {}",
            depth(&map, map.root)
        );
        assert_eq!(map.from(&[]).count(), 100_000);
    }
}
