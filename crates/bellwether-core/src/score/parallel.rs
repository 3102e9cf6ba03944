//! Spreads independent per-index work over the machine's cores.
//!
//! The output is in index order and each item is computed by the same function whatever the
//! number of threads, so results do not depend on the machine.

/// How many threads [`map_indices`] uses for `n` indices.
pub(crate) fn thread_count(n: usize, min_per_thread: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    cores.min(8).min(n / min_per_thread.max(1)).max(1)
}

/// Calls `compute` for every index in `0..n` and collects the results in order, on up to eight
/// threads when there are at least `min_per_thread` indices for each.
pub(crate) fn map_indices<T: Send>(
    n: usize,
    min_per_thread: usize,
    compute: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    map_indices_with(n, min_per_thread, || (), |_, index| compute(index))
}

/// Like [`map_indices`], with scratch state made by `scratch` once per thread and lent to every call.
pub(crate) fn map_indices_with<T: Send, S>(
    n: usize,
    min_per_thread: usize,
    scratch: impl Fn() -> S + Sync,
    compute: impl Fn(&mut S, usize) -> T + Sync,
) -> Vec<T> {
    let threads = thread_count(n, min_per_thread);
    if threads == 1 {
        let mut state = scratch();
        return (0..n).map(|index| compute(&mut state, index)).collect();
    }
    let chunk = n.div_ceil(threads);
    std::thread::scope(|scope| {
        let compute = &compute;
        let scratch = &scratch;
        let others: Vec<_> = (1..threads)
            .map(|thread| {
                let start = (thread * chunk).min(n);
                let end = ((thread + 1) * chunk).min(n);
                scope.spawn(move || {
                    let mut state = scratch();
                    (start..end)
                        .map(|index| compute(&mut state, index))
                        .collect::<Vec<T>>()
                })
            })
            .collect();
        let mut results = Vec::with_capacity(n);
        let mut state = scratch();
        results.extend((0..chunk.min(n)).map(|index| compute(&mut state, index)));
        for other in others {
            match other.join() {
                Ok(part) => results.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        results
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_in_index_order_for_any_split() {
        for n in [0, 1, 7, 100, 1001] {
            for min_per_thread in [1, 3, 1000] {
                assert_eq!(
                    map_indices(n, min_per_thread, |index| index * 2),
                    (0..n).map(|index| index * 2).collect::<Vec<_>>()
                );
            }
        }
    }
}
