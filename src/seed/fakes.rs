//! Realistic, deterministic fake values shared by every vendor's seed generation.

use fake::Fake;
use fake::faker::address::en::CityName;
use fake::faker::name::en::{FirstName, LastName};
use rand::RngExt;
use rand::rngs::StdRng;

use crate::time::Millis;

const DAY_MS: i64 = 86_400_000;
const EMAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "proton.me",
    "icloud.com",
    "example.com",
];

pub fn first_name(rng: &mut StdRng) -> String {
    FirstName().fake_with_rng(rng)
}

pub fn last_name(rng: &mut StdRng) -> String {
    LastName().fake_with_rng(rng)
}

pub fn city(rng: &mut StdRng) -> String {
    CityName().fake_with_rng(rng)
}

/// `jane.doe42@gmail.com`, derived from the person's name as real addresses mostly are.
pub fn email(rng: &mut StdRng, first: &str, last: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase()
    };
    let number: u16 = rng.random_range(1..100);
    let domain = pick(rng, EMAIL_DOMAINS);
    format!("{}.{}{number}@{domain}", clean(first), clean(last))
}

/// `count` random decimal digits, the first one non-zero.
pub fn digits(rng: &mut StdRng, count: usize) -> String {
    (0..count)
        .map(|i| {
            let low = if i == 0 { 1 } else { 0 };
            char::from(b'0' + rng.random_range(low..10u8))
        })
        .collect()
}

/// `count` random characters from `[A-Za-z0-9]`.
pub fn alphanumerics(rng: &mut StdRng, count: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..count)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A random version-4 UUID, lower case.
pub fn uuid_v4(rng: &mut StdRng) -> String {
    let mut bytes: [u8; 16] = rng.random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    // Written digit by digit: a seed of a million contacts makes millions of these.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(36);
    for (index, byte) in bytes.into_iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push(char::from(HEX[usize::from(byte >> 4)]));
        id.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    id
}

/// A random version-4 UUID (see [`uuid_v4`]) that `taken` does not know yet.
pub fn fresh_uuid(rng: &mut StdRng, taken: impl Fn(&str) -> bool) -> String {
    loop {
        let id = uuid_v4(rng);
        if !taken(&id) {
            return id;
        }
    }
}

/// An international phone number's digits: a country code from `countries` and 10 digits.
pub fn phone_digits(rng: &mut StdRng, countries: &[&str]) -> String {
    format!("{}{}", pick(rng, countries), digits(rng, 10))
}

/// A random instant in the `days` days before `now`.
pub fn instant_within_days(rng: &mut StdRng, now: Millis, days: i64) -> Millis {
    Millis(now.0 - rng.random_range(0..days.max(1) * DAY_MS))
}

/// A random instant between `from` and `until` (inclusive; `from` if they are out of order).
pub fn instant_between(rng: &mut StdRng, from: Millis, until: Millis) -> Millis {
    if until.0 <= from.0 {
        return from;
    }
    Millis(rng.random_range(from.0..=until.0))
}

pub fn chance(rng: &mut StdRng, probability: f64) -> bool {
    rng.random_bool(probability)
}

pub fn pick<'a, T: ?Sized>(rng: &mut StdRng, choices: &[&'a T]) -> &'a T {
    choices[rng.random_range(0..choices.len())]
}

/// Up to `max` distinct items of `choices`, in the order of `choices`.
pub fn some_of<'a, T: ?Sized>(rng: &mut StdRng, choices: &[&'a T], max: usize) -> Vec<&'a T> {
    let wanted = rng.random_range(0..=max.min(choices.len()));
    let mut picked: Vec<usize> = Vec::with_capacity(wanted);
    while picked.len() < wanted {
        let index = rng.random_range(0..choices.len());
        if !picked.contains(&index) {
            picked.push(index);
        }
    }
    picked.sort_unstable();
    picked.into_iter().map(|index| choices[index]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_same_seed_gives_the_same_values() {
        let mut a = StdRng::seed_from_u64(7);
        let mut b = StdRng::seed_from_u64(7);
        assert_eq!(first_name(&mut a), first_name(&mut b));
        assert_eq!(uuid_v4(&mut a), uuid_v4(&mut b));
    }

    #[test]
    fn uuids_stay_what_a_seed_made_before() {
        // Generated ids are part of a seed's data: the same seed must keep giving them.
        let mut rng = StdRng::seed_from_u64(1);
        let ids: Vec<String> = (0..3).map(|_| uuid_v4(&mut rng)).collect();
        assert_eq!(
            ids,
            [
                "61644a25-da5a-4317-94e2-3bc1eca8c766",
                "a61ceaa8-c60d-4c65-b158-a30209256e35",
                "c9fba417-a2d8-49ed-886c-0f3f03f94ec8",
            ]
        );
    }

    #[test]
    fn uuids_are_version_4() {
        let id = uuid_v4(&mut StdRng::seed_from_u64(1));
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn instants_stay_in_range() {
        let mut rng = StdRng::seed_from_u64(3);
        let now = Millis(1_700_000_000_000);
        for _ in 0..100 {
            let at = instant_within_days(&mut rng, now, 30);
            assert!(at <= now && at.0 > now.0 - 30 * DAY_MS);
            assert!(instant_between(&mut rng, at, now) >= at);
        }
    }
}
