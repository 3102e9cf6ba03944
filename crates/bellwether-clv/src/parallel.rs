//! Per-customer predictions on all cores: the one data-parallel helper the CLV
//! callers (the CLI's `clv predict`, the report) share.

/// `f` of each item, in order, computed on all available cores (at most 8) when
/// there are at least `min_parallel` items, else on the calling thread.
pub fn parallel_map<T: Sync, U: Send + Clone + Default>(
    items: &[T],
    min_parallel: usize,
    f: impl Fn(&T) -> U + Sync,
) -> Vec<U> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    if threads == 1 || items.len() < min_parallel.max(2) {
        return items.iter().map(&f).collect();
    }
    let mut out = vec![U::default(); items.len()];
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        for (inputs, outputs) in items.chunks(chunk).zip(out.chunks_mut(chunk)) {
            let f = &f;
            scope.spawn(move || {
                for (input, output) in inputs.iter().zip(outputs) {
                    *output = f(input);
                }
            });
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_serial_and_parallel() {
        let items: Vec<u64> = (0..5000).collect();
        for min in [1, 10_000] {
            let out = parallel_map(&items, min, |x| x * 3);
            assert_eq!(out, items.iter().map(|x| x * 3).collect::<Vec<_>>());
        }
        assert!(parallel_map(&[] as &[u64], 1, |x| *x).is_empty());
    }
}
