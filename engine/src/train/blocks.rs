//! A quantile model's output blocks: sorted so the levels never cross, and the point
//! forecast read from them.

/// Raw outputs `[windows, blocks·step_outputs]` as `blocks` arrays `[windows ×
/// step_outputs]`, sorted across the blocks element by element (non-crossing
/// quantiles: the k-th block holds the k-th smallest of the levels' forecasts).
pub fn sorted_blocks(raw: &[f32], blocks: usize, step_outputs: usize) -> Vec<Vec<f32>> {
    let blocks = blocks.max(1);
    let row_len = blocks * step_outputs;
    let windows = raw.len() / row_len.max(1);
    let mut out = vec![Vec::with_capacity(windows * step_outputs); blocks];
    let mut column = Vec::with_capacity(blocks);
    for row in raw.chunks_exact(row_len.max(1)) {
        for c in 0..step_outputs {
            column.clear();
            column.extend((0..blocks).filter_map(|q| row.get(q * step_outputs + c)));
            column.sort_by(f32::total_cmp);
            for (block, v) in out.iter_mut().zip(&column) {
                block.push(*v);
            }
        }
    }
    out
}

/// The point forecast of sorted quantile blocks: their sum weighted by `weights`.
pub(super) fn point_of(blocks: &[Vec<f32>], weights: &[f64]) -> Vec<f32> {
    let n = blocks.first().map_or(0, Vec::len);
    (0..n)
        .map(|i| {
            blocks
                .iter()
                .zip(weights)
                .map(|(b, w)| b.get(i).map_or(0.0, |v| *v as f64 * w))
                .sum::<f64>() as f32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::sorted_blocks;

    #[test]
    fn crossing_quantiles_are_sorted_element_by_element() {
        // Two windows, 2 outputs per step (horizon·targets), 3 levels: block-major rows.
        let raw = [
            1.0, 5.0, /* q1 */ 0.0, 6.0, /* q2 */ 2.0, 4.0, // window 0
            3.0, 3.0, /* q1 */ 3.0, 2.0, /* q2 */ 3.0, 1.0, // window 1
        ];
        let blocks = sorted_blocks(&raw, 3, 2);
        assert_eq!(blocks[0], [0.0, 4.0, 3.0, 1.0]);
        assert_eq!(blocks[1], [1.0, 5.0, 3.0, 2.0]);
        assert_eq!(blocks[2], [2.0, 6.0, 3.0, 3.0]);
    }
}
