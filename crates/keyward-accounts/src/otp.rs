//! One-time codes sent by email or SMS (or made for support staff by the
//! Admin API's `generateOOBOTPCode`): six random digits, stored as their
//! SHA-256, one live code per purpose and target, five minutes, and dead
//! after [`MAX_FAILURES`] wrong entries, so guessing one of a million codes
//! is not a matter of patience.

use keyward_store::Tx;

use crate::error::{AccountsError, Result};
use crate::secret;

/// How long a code works, seconds (Authgear's default).
pub const LIFETIME_SECS: i64 = 300;
/// Wrong entries after which a code no longer works.
pub const MAX_FAILURES: i64 = 5;

/// What a code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Signing in (a second factor).
    Login,
    /// Proving an address (sign-up).
    Verification,
}

impl Purpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Login => "login",
            Purpose::Verification => "verification",
        }
    }
}

/// Six random digits.
fn random_code() -> Result<String> {
    let mut bytes = [0u8; 4];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| AccountsError::Internal("no randomness".into()))?;
    // 2^32 is not a multiple of 10^6: the bias (under 0.03 %) does not
    // help a guesser who has five tries.
    Ok(format!("{:06}", u32::from_be_bytes(bytes) % 1_000_000))
}

/// Make and store a new code for (`purpose`, `target`), replacing any
/// earlier one. The caller sends it (or hands it to an administrator).
pub async fn issue(
    tx: &mut Tx,
    project: &str,
    purpose: Purpose,
    target: &str,
    now_secs: i64,
) -> Result<String> {
    let code = random_code()?;
    tx.put_otp_code(
        project,
        purpose.as_str(),
        target,
        &secret::digest_hex(&code),
        now_secs,
        now_secs + LIFETIME_SECS,
    )
    .await?;
    Ok(code)
}

/// Whether `code` is the live code for (`purpose`, `target`); a right code
/// is used up, a wrong one counted.
pub async fn check(
    tx: &mut Tx,
    project: &str,
    purpose: Purpose,
    target: &str,
    code: &str,
    now_secs: i64,
) -> Result<bool> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(stored) = tx.otp_code(project, purpose.as_str(), target).await? else {
        return Ok(false);
    };
    if stored.expires_at <= now_secs || stored.failed_attempts >= MAX_FAILURES {
        return Ok(false);
    }
    if !secret::matches(&code, &stored.code_hash) {
        tx.otp_code_failed(project, purpose.as_str(), target)
            .await?;
        return Ok(false);
    }
    Ok(tx
        .take_otp_code(project, purpose.as_str(), target, &stored.code_hash)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = random_code().unwrap();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
