//! Recycled f32 buffers for the fast path's per-step activations and gradients.
//!
//! A step allocates megabytes (gates, states, their gradients, for every time step);
//! fresh allocations of that size come from `mmap`, so each step paid page faults and
//! the kernel's page clearing (~8 % of config c, more for small models whose steps
//! are short), on the spawned step threads most of all. Buffers handed back here are
//! reused by the next step on any thread. The pool is bounded (buffers and bytes), so
//! it holds at most about one step's working set.

use std::sync::Mutex;

/// Buffers smaller than this are cheap to allocate: not pooled.
const MIN_POOLED: usize = 4096;
/// At most this many buffers are kept.
const MAX_BUFFERS: usize = 96;
/// At most this many f32 values are kept in all (256 MiB).
const MAX_VALUES: usize = 64 << 20;

static POOL: Mutex<Vec<Vec<f32>>> = Mutex::new(Vec::new());

/// A buffer of `len` zeros, reusing the smallest pooled buffer large enough.
pub fn zeros(len: usize) -> Vec<f32> {
    let mut v = take(len);
    v.fill(0.0);
    v
}

/// A buffer of `len` values with arbitrary contents (what a previous step left), for
/// outputs that are written in full before they are read: saves zeroing megabytes.
pub fn take(len: usize) -> Vec<f32> {
    if len < MIN_POOLED {
        return vec![0.0; len];
    }
    let reused = POOL.lock().ok().and_then(|mut pool| {
        let best = pool
            .iter()
            .enumerate()
            .filter(|(_, v)| v.capacity() >= len)
            .min_by_key(|(_, v)| v.capacity())
            .map(|(i, _)| i)?;
        Some(pool.swap_remove(best))
    });
    match reused {
        Some(mut v) => {
            v.truncate(len);
            v.resize(len, 0.0);
            v
        }
        None => vec![0.0; len],
    }
}

/// A copy of `values` in a pooled buffer.
pub fn copy_of(values: &[f32]) -> Vec<f32> {
    let mut v = take(values.len());
    v.copy_from_slice(values);
    v
}

/// Hands buffers back for reuse (dropped if the pool is full).
pub fn recycle(buffers: impl IntoIterator<Item = Vec<f32>>) {
    let Ok(mut pool) = POOL.lock() else {
        return;
    };
    for v in buffers {
        if v.capacity() < MIN_POOLED || pool.len() >= MAX_BUFFERS {
            continue;
        }
        let held: usize = pool.iter().map(Vec::capacity).sum();
        if held + v.capacity() <= MAX_VALUES {
            pool.push(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycled_buffers_come_back_zeroed() {
        let mut v = zeros(10_000);
        v.fill(3.0);
        recycle([v]);
        let w = zeros(9_000);
        assert_eq!(w.len(), 9_000);
        assert!(w.iter().all(|&x| x == 0.0));
        assert_eq!(copy_of(&[1.0, 2.0]), vec![1.0, 2.0]);
        assert_eq!(take(8_000).len(), 8_000);
    }
}
