//! Small pieces of the sentences the engine writes for people.

/// `n` and `word`, plural unless `n` is 1: "1 window", "12 windows".
pub fn count<T: std::fmt::Display + PartialEq + From<u8>>(n: T, word: &str) -> String {
    if n == T::from(1) {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(super::count(1usize, "window"), "1 window");
        assert_eq!(super::count(0usize, "window"), "0 windows");
        assert_eq!(super::count(12u64, "row"), "12 rows");
    }
}
