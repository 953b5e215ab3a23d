/// How strictly time-based claims are judged. Fixed rules, no off-switches:
/// only the two numbers below are tunable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Clock skew tolerated between the client and keyward, in seconds.
    /// Default: 60.
    pub leeway_secs: u64,
    /// Longest accepted token lifetime (`exp − iat`, or `exp − now` without
    /// `iat`), in seconds. Default: 3600. Set per project.
    pub max_lifetime_secs: u64,
    /// Whether every token must carry a `jti` (the project's replay guard
    /// is on). Default: false.
    pub require_jti: bool,
}

impl Policy {
    /// Default leeway, in seconds.
    pub const DEFAULT_LEEWAY_SECS: u64 = 60;
    /// Default lifetime cap, in seconds.
    pub const DEFAULT_MAX_LIFETIME_SECS: u64 = 3600;
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            leeway_secs: Self::DEFAULT_LEEWAY_SECS,
            max_lifetime_secs: Self::DEFAULT_MAX_LIFETIME_SECS,
            require_jti: false,
        }
    }
}
