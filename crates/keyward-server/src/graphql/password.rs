//! Passwords: the policy (default: at least 8 characters), generation, and
//! argon2id hashing (the `argon2` crate's defaults, OWASP's recommendation:
//! m = 19 MiB, t = 2, p = 1), run off the async threads.

use argon2::password_hash::PasswordHasher as _;
use serde_json::json;

use super::errors::ApiErr;

/// The shortest acceptable password, in characters.
pub const MIN_LENGTH: usize = 8;

/// Check a password against the policy.
pub fn check(password: &str) -> Result<(), ApiErr> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(ApiErr::invalid("PasswordPolicyViolated", "password policy violated").info(json!({
            "causes": [{"Name": "PasswordTooShort", "Info": {"min_length": MIN_LENGTH, "pw_length": length}}]
        })));
    }
    Ok(())
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

/// The argon2id PHC string of `password` (tens of milliseconds of CPU, on a
/// blocking thread).
pub async fn hash(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        aws_lc_rs::rand::fill(&mut salt).map_err(|_| "no randomness".to_owned())?;
        argon2::Argon2::default()
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Whether `password` matches the PHC string `phc`. With no hash (an unknown
/// account) a fixed hash is checked anyway and `false` returned, so the time
/// taken does not reveal whether the account exists.
pub async fn verify(phc: Option<String>, password: String) -> bool {
    use argon2::password_hash::PasswordVerifier as _;
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$6BfBIfAnzfMkvcuUqVXrWu1hh5rVeI/cbiIo1TPJjLk";
    tokio::task::spawn_blocking(move || {
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| DUMMY.to_owned());
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

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordVerifier as _;

    #[test]
    fn policy() {
        assert!(check("12345678").is_ok());
        let e: async_graphql::Error = check("abc").unwrap_err().into();
        let ext = serde_json::to_value(&e.extensions).unwrap();
        assert_eq!(ext["reason"], "PasswordPolicyViolated");
        assert_eq!(
            ext["info"]["causes"][0]["Info"],
            json!({"min_length": 8, "pw_length": 3})
        );
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
        let phc = hash("correct horse battery".into()).await.unwrap();
        assert!(verify(Some(phc.clone()), "correct horse battery".into()).await);
        assert!(!verify(Some(phc), "wrong".into()).await);
        assert!(!verify(None, "anything".into()).await);
        assert!(!verify(Some("not a hash".into()), "x".into()).await);
    }

    #[tokio::test]
    async fn hash_is_argon2id_and_verifies() {
        let phc = hash("correct horse".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
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
