//! Spreading a map over the machine's cores with scoped threads; the output order is the input's.

/// Inputs below this many per thread are not worth a thread.
const MIN_PER_THREAD: usize = 2_000;

/// Maps `items` in order, each thread with its own scratch state from `new_state`.
pub(crate) fn map_chunks<T: Sync, S, R: Send>(
    items: &[T],
    new_state: impl Fn() -> S + Sync,
    map: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len() / MIN_PER_THREAD)
        .max(1);
    if threads == 1 {
        let mut state = new_state();
        return items.iter().map(|item| map(&mut state, item)).collect();
    }
    let chunk_len = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk_len)
            .map(|chunk| {
                let (new_state, map) = (&new_state, &map);
                scope.spawn(move || {
                    let mut state = new_state();
                    chunk
                        .iter()
                        .map(|item| map(&mut state, item))
                        .collect::<Vec<R>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| match handle.join() {
                Ok(results) => results,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}
