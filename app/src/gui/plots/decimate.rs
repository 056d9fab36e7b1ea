//! Min/max decimation: at most two points per pixel column, so a series of a million
//! points draws as fast as one of a few thousand and still shows every spike.

/// Points of `values` (x = index) within `[x_min, x_max]`, reduced to at most
/// `2 × buckets` points: the minimum and the maximum of each bucket, in x order.
pub fn min_max(values: &[f64], x_min: f64, x_max: f64, buckets: usize) -> Vec<[f64; 2]> {
    let n = values.len();
    if n == 0 || buckets == 0 {
        return Vec::new();
    }
    // One point of margin on each side keeps lines entering the view drawn.
    let lo = (x_min.floor().max(0.0) as usize)
        .saturating_sub(1)
        .min(n - 1);
    let hi = ((x_max.ceil().max(0.0) as usize) + 1).min(n - 1);
    if lo > hi {
        return Vec::new();
    }
    let span = hi - lo + 1;
    if span <= 2 * buckets {
        return (lo..=hi)
            .filter_map(|i| values.get(i).map(|v| [i as f64, *v]))
            .collect();
    }
    let size = span.div_ceil(buckets);
    let mut out = Vec::with_capacity(2 * buckets);
    let mut start = lo;
    while start <= hi {
        let end = (start + size).min(hi + 1);
        let chunk = values.get(start..end).unwrap_or(&[]);
        let (mut i_min, mut i_max) = (0usize, 0usize);
        for (i, v) in chunk.iter().enumerate() {
            if *v < chunk[i_min] {
                i_min = i;
            }
            if *v > chunk[i_max] {
                i_max = i;
            }
        }
        let (a, b) = if i_min <= i_max {
            (i_min, i_max)
        } else {
            (i_max, i_min)
        };
        for i in [a, b] {
            if let Some(v) = chunk.get(i) {
                out.push([(start + i) as f64, *v]);
            }
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ranges_are_drawn_as_they_are() {
        let v = [1.0, 5.0, 2.0];
        assert_eq!(
            min_max(&v, 0.0, 2.0, 10),
            vec![[0.0, 1.0], [1.0, 5.0], [2.0, 2.0]]
        );
    }

    #[test]
    fn buckets_keep_their_extremes_in_order() {
        // 12 points, 3 buckets of 4: [0,9,1,2] [3,-4,5,6] [7,8,20,1]
        let v = [0.0, 9.0, 1.0, 2.0, 3.0, -4.0, 5.0, 6.0, 7.0, 8.0, 20.0, 1.0];
        let out = min_max(&v, 0.0, 11.0, 3);
        assert_eq!(
            out,
            vec![
                [0.0, 0.0],
                [1.0, 9.0],
                [5.0, -4.0],
                [7.0, 6.0],
                [10.0, 20.0],
                [11.0, 1.0]
            ]
        );
    }

    #[test]
    fn a_million_points_become_at_most_two_per_bucket_and_keep_a_spike() {
        let mut v: Vec<f64> = (0..1_000_000).map(|i| (i as f64 * 0.001).sin()).collect();
        v[777_777] = 50.0;
        let out = min_max(&v, 0.0, 999_999.0, 1000);
        assert!(out.len() <= 2000, "{}", out.len());
        assert!(out.iter().any(|p| p[1] == 50.0 && p[0] == 777_777.0));
        // only the visible range is visited
        let zoomed = min_max(&v, 1000.0, 1100.0, 1000);
        assert_eq!(zoomed.first().map(|p| p[0]), Some(999.0));
        assert_eq!(zoomed.len(), 103);
    }
}
