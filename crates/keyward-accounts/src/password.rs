//! Passwords: the policy (default: at least 8 characters), generation, and
//! argon2id hashing, run off the async threads. The cost is a setting
//! ([`HashCost`]): production uses OWASP's recommendation (m = 19 MiB,
//! t = 2, p = 1); tests choose a cheap one through the server's test
//! configuration. Verification reads the cost from the stored hash.

use argon2::password_hash::PasswordHasher as _;

use crate::error::AccountsError;

/// The shortest acceptable password, in characters.
pub const MIN_LENGTH: usize = 8;

/// Check a password against the policy.
pub fn check(password: &str) -> Result<(), AccountsError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(AccountsError::PasswordTooShort {
            min_length: MIN_LENGTH,
            length,
        });
    }
    Ok(())
}

/// The argon2id cost of new hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory, KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for HashCost {
    /// OWASP's recommendation for argon2id.
    fn default() -> Self {
        HashCost {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl HashCost {
    /// The smallest cost argon2 accepts: for test suites only, where
    /// thousands of hashes would otherwise dominate the run time.
    pub const fn cheapest_for_tests() -> Self {
        HashCost {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1,
        }
    }

    fn argon2(self) -> Result<argon2::Argon2<'static>, AccountsError> {
        let params = argon2::Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|e| AccountsError::Internal(format!("argon2 parameters: {e}")))?;
        Ok(argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            params,
        ))
    }
}

/// A random password that meets any reasonable policy: 20 characters with
/// upper and lower case letters, digits and symbols. Fails only when the
/// system has no randomness (keyward's failure, not the caller's).
pub fn generate() -> Result<String, String> {
    const SETS: [&[u8]; 4] = [
        b"ABCDEFGHJKLMNPQRSTUVWXYZ",
        b"abcdefghijkmnopqrstuvwxyz",
        b"23456789",
        b"!@#$%^&*-_=+",
    ];
    // 20 bytes pick the characters, 20 more shuffle them.
    let mut random = [0u8; 40];
    aws_lc_rs::rand::fill(&mut random).map_err(|_| "no randomness".to_owned())?;
    let (picks, shuffle) = random.split_at(20);
    // One of each class first, then from all of them; 8 bits per pick over
    // sets of at most 69 characters keeps the bias under 0.3 %.
    let all: Vec<u8> = SETS.concat();
    let mut out: Vec<u8> = picks
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let set: &[u8] = if i < SETS.len() { SETS[i] } else { &all };
            set[*r as usize % set.len()]
        })
        .collect();
    for i in (1..out.len()).rev() {
        out.swap(i, shuffle[i] as usize % (i + 1));
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The argon2id PHC string of `password` at `cost` (tens of milliseconds
/// of CPU at the default cost, on a blocking thread).
pub async fn hash(password: String, cost: HashCost) -> Result<String, AccountsError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        aws_lc_rs::rand::fill(&mut salt)
            .map_err(|_| AccountsError::Internal("no randomness".into()))?;
        cost.argon2()?
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AccountsError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| AccountsError::Internal(format!("hashing thread: {e}")))?
}

/// A random password that meets the policy, as an [`AccountsError`] when
/// the system has no randomness.
pub fn generate_checked() -> Result<String, AccountsError> {
    generate().map_err(AccountsError::Internal)
}

/// The password to set: generated when missing or `""`, else checked
/// against the policy.
pub fn new_or_generated(password: Option<&str>) -> Result<String, AccountsError> {
    match password {
        None | Some("") => generate_checked(),
        Some(p) => check(p).map(|()| p.to_owned()),
    }
}

/// Whether `password` matches the stored hash `phc`: an argon2id PHC
/// string, or a bcrypt hash (`$2a$`, `$2b$`, `$2y$`) of an imported user.
/// With no hash (an unknown account) a fixed argon2id hash at the default
/// cost is checked anyway and `false` returned, so the time taken does not
/// reveal whether the account exists.
pub async fn verify(phc: Option<String>, password: String) -> bool {
    use argon2::password_hash::PasswordVerifier as _;
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$6BfBIfAnzfMkvcuUqVXrWu1hh5rVeI/cbiIo1TPJjLk";
    tokio::task::spawn_blocking(move || {
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| DUMMY.to_owned());
        if is_bcrypt(&phc) {
            // bcrypt reads only the first 72 bytes; longer passwords are
            // refused rather than silently truncated.
            return known
                && bcrypt::verify(password.as_bytes(), &bcrypt_as_2b(&phc)).unwrap_or(false);
        }
        let Ok(parsed) = argon2::PasswordHash::new(&phc) else {
            return false;
        };
        let ok = argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        known && ok
    })
    .await
    .unwrap_or(false)
}

fn is_bcrypt(phc: &str) -> bool {
    phc.starts_with("$2$") || (phc.starts_with("$2") && phc.as_bytes().get(3) == Some(&b'$'))
}

/// A bcrypt hash as the bcrypt crate reads it: the minor version is
/// ignored, as Go's bcrypt (Authgear's) ignores it (`$2$`, `$2a$`, `$2x$`
/// and `$2y$` verify like `$2b$`).
fn bcrypt_as_2b(phc: &str) -> String {
    let rest = phc
        .strip_prefix("$2$")
        .or_else(|| {
            phc.get(4..)
                .filter(|_| phc.as_bytes().get(3) == Some(&b'$'))
        })
        .unwrap_or(phc);
    format!("$2b${rest}")
}

/// Lowest and highest bcrypt cost accepted at import (Go's range).
const BCRYPT_COSTS: std::ops::RangeInclusive<u32> = 4..=31;

/// Check a password hash given to user import (spec §4) and return it as
/// it is stored: an argon2id PHC string, or a modular-crypt bcrypt hash
/// (`$2$`, `$2a$`, `$2b$`, `$2x$`, `$2y$`, cost 4–31; stored verbatim and
/// verified at sign-in, then rehashed to argon2id). Anything else is
/// refused with `InvalidBcryptHash` and Go's bcrypt wording, so a record
/// never holds a hash nobody can sign in with.
pub fn check_imported_hash(hash: &str) -> Result<String, AccountsError> {
    let bad = |m: String| {
        Err(AccountsError::InvalidBcryptHash(format!(
            "crypto/bcrypt: {m}"
        )))
    };
    if hash.starts_with("$argon2id$") {
        return match argon2::PasswordHash::new(hash) {
            Ok(_) => Ok(hash.to_owned()),
            Err(e) => Err(AccountsError::InvalidBcryptHash(format!(
                "not an argon2id PHC string: {e}"
            ))),
        };
    }
    let bytes = hash.as_bytes();
    match bytes.first() {
        Some(b'$') => {}
        Some(&c) => {
            return bad(format!(
                "bcrypt hashes must start with '$', but hashedSecret started with '{}'",
                char::from(c)
            ));
        }
        None => return bad("hashedSecret too short to be a bcrypted password".into()),
    }
    if bytes.len() < 59 {
        return bad("hashedSecret too short to be a bcrypted password".into());
    }
    if bytes[1] != b'2' {
        let c = char::from(bytes[1]);
        return bad(if bytes[1] > b'2' {
            format!("bcrypt algorithm version '{c}' requested is newer than current version '2'")
        } else {
            format!("bcrypt algorithm version '{c}' is not supported")
        });
    }
    let cost_at = if bytes[2] == b'$' { 3 } else { 4 };
    if cost_at == 4 && bytes[3] != b'$' {
        return bad("hashedSecret too short to be a bcrypted password".into());
    }
    let cost = hash
        .get(cost_at..cost_at + 2)
        .and_then(|c| c.parse::<u32>().ok())
        .filter(|_| bytes.get(cost_at + 2) == Some(&b'$'));
    match cost {
        Some(c) if BCRYPT_COSTS.contains(&c) => {}
        Some(c) => return bad(format!("cost {c} is outside allowed inclusive range 4..31")),
        None => return bad("the cost is not a two-digit number".into()),
    }
    // The salt and digest must be what the verifier can read.
    if bcrypt_as_2b(hash).parse::<bcrypt::HashParts>().is_err() {
        return bad("the salt or digest is not bcrypt's base64".into());
    }
    Ok(hash.to_owned())
}

/// Whether a stored hash should be replaced after a successful sign-in:
/// anything but argon2id at `cost` (bcrypt from an import, or an older cost).
pub fn needs_rehash(phc: &str, cost: HashCost) -> bool {
    let Ok(parsed) = argon2::PasswordHash::new(phc) else {
        return true;
    };
    let param = |name: &str| parsed.params.get_decimal(name).unwrap_or(0);
    parsed.algorithm.as_str() != "argon2id"
        || param("m") != cost.memory_kib
        || param("t") != cost.iterations
        || param("p") != cost.parallelism
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordVerifier as _;

    #[test]
    fn imported_hashes_are_checked_as_authgear_does() {
        // The spec's test vector ("password").
        let vector = "$2y$10$/wLavnCmYGP/zzpw/mR1iOK5y5hGyrEFJtmaIbvFf9VA6l2O4NMKO";
        assert_eq!(check_imported_hash(vector).unwrap(), vector);
        let rest = &vector[4..];
        for prefix in ["$2$", "$2a$", "$2b$", "$2x$"] {
            let h = format!("{prefix}{rest}");
            assert!(check_imported_hash(&h).is_ok(), "{h}");
        }
        let argon = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$6BfBIfAnzfMkvcuUqVXrWu1hh5rVeI/cbiIo1TPJjLk";
        assert!(check_imported_hash(argon).is_ok());
        let cases = [
            (
                "#2y$10$x",
                "crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with '#'",
            ),
            (
                "$2y$10$short",
                "crypto/bcrypt: hashedSecret too short to be a bcrypted password",
            ),
            (
                "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$6BfBIfAnzfMkvcuUqVXrWu1hh5rVeI",
                "crypto/bcrypt: bcrypt algorithm version 'a' requested is newer than current version '2'",
            ),
            (
                "$2y$99$/wLavnCmYGP/zzpw/mR1iOK5y5hGyrEFJtmaIbvFf9VA6l2O4NMKO",
                "crypto/bcrypt: cost 99 is outside allowed inclusive range 4..31",
            ),
        ];
        for (hash, message) in cases {
            let e = check_imported_hash(hash).unwrap_err();
            assert_eq!(e.reason(), "InvalidBcryptHash", "{hash}");
            assert_eq!(e.to_string(), message, "{hash}");
        }
        for hash in [
            "",
            "$2y$1x$/wLavnCmYGP/zzpw/mR1iOK5y5hGyrEFJtmaIbvFf9VA6l2O4NMKO",
            "$argon2id$nonsense",
        ] {
            assert_eq!(
                check_imported_hash(hash).unwrap_err().reason(),
                "InvalidBcryptHash",
                "{hash}"
            );
        }
    }

    #[tokio::test]
    async fn bcrypt_minor_versions_verify_alike() {
        let rest = "$10$/wLavnCmYGP/zzpw/mR1iOK5y5hGyrEFJtmaIbvFf9VA6l2O4NMKO";
        for version in ["$2y", "$2b", "$2a", "$2x", "$2"] {
            let hash = format!("{version}{rest}");
            assert!(
                verify(Some(hash.clone()), "password".into()).await,
                "{hash}"
            );
            assert!(
                !verify(Some(hash.clone()), "Password".into()).await,
                "{hash}"
            );
        }
    }

    #[test]
    fn policy() {
        assert!(check("12345678").is_ok());
        let e = check("abc").unwrap_err();
        assert_eq!(e.reason(), "PasswordPolicyViolated");
        assert_eq!(
            e.info().unwrap()["causes"][0]["Info"],
            serde_json::json!({"min_length": 8, "pw_length": 3})
        );
        assert_eq!(
            new_or_generated(Some("abc")).unwrap_err().reason(),
            "PasswordPolicyViolated"
        );
        assert_eq!(new_or_generated(Some("")).unwrap().chars().count(), 20);
    }

    #[test]
    fn generated_passwords_pass_and_differ() {
        let a = generate().unwrap();
        assert!(check(&a).is_ok());
        assert!(a.chars().any(|c| c.is_ascii_uppercase()) && a.chars().any(|c| c.is_ascii_digit()));
        assert_ne!(a, generate().unwrap());
    }

    #[tokio::test]
    async fn verify_checks_and_unknown_accounts_fail() {
        let phc = hash(
            "correct horse battery".into(),
            HashCost::cheapest_for_tests(),
        )
        .await
        .unwrap();
        assert!(verify(Some(phc.clone()), "correct horse battery".into()).await);
        assert!(!verify(Some(phc), "wrong".into()).await);
        assert!(!verify(None, "anything".into()).await);
        assert!(!verify(Some("not a hash".into()), "x".into()).await);
    }

    #[tokio::test]
    async fn bcrypt_hashes_of_imported_users_verify_and_ask_for_a_rehash() {
        // `htpasswd -bnBC 4 "" hunter22` style hash, made with the bcrypt crate.
        let hash = bcrypt::hash("hunter22", 4).unwrap();
        for prefix in ["$2a$", "$2b$", "$2y$"] {
            let h = format!("{prefix}{}", &hash[4..]);
            assert!(verify(Some(h.clone()), "hunter22".into()).await, "{prefix}");
            assert!(
                !verify(Some(h.clone()), "hunter23".into()).await,
                "{prefix}"
            );
            assert!(needs_rehash(&h, HashCost::default()));
        }
        let cheap = hash_now("x", HashCost::cheapest_for_tests()).await;
        assert!(needs_rehash(&cheap, HashCost::default()));
        assert!(!needs_rehash(&cheap, HashCost::cheapest_for_tests()));
    }

    async fn hash_now(pw: &str, cost: HashCost) -> String {
        hash(pw.into(), cost).await.unwrap()
    }

    #[tokio::test]
    async fn hash_is_argon2id_at_the_default_cost_and_verifies() {
        let phc = hash("correct horse".into(), HashCost::default())
            .await
            .unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let parsed = argon2::PasswordHash::new(&phc).unwrap();
        assert!(
            argon2::Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(
            argon2::Argon2::default()
                .verify_password(b"wrong", &parsed)
                .is_err()
        );
    }
}
