//! The one source of randomness: the operating system's generator for what must not be
//! guessed (output delimiters, DNS message ids, caller references), `fastrand` for jitter.
//!
//! Rule: std and the two crates only.

/// `n` bytes nobody can guess ahead, from the operating system (`getrandom`). Should the OS
/// generator fail, fastrand's generator (seeded from the OS, the time and the thread) stands
/// in rather than aborting a run.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if getrandom::getrandom(&mut buf).is_err() {
        buf.iter_mut().for_each(|b| *b = fastrand::u8(..));
    }
    buf
}

/// `n` unguessable bytes as lowercase hex (`2n` characters).
pub fn hex<const N: usize>() -> String {
    bytes::<N>().iter().map(|b| format!("{b:02x}")).collect()
}

/// A number in [0, 1), for jitter.
pub fn unit() -> f64 {
    fastrand::f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_fresh_and_sized() {
        let a = hex::<16>();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, hex::<16>());
        let u = unit();
        assert!((0.0..1.0).contains(&u));
    }
}
