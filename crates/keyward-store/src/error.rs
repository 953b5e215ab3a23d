use keyward_token::KeyError;

/// Everything the store can refuse or fail with. Each variant has a stable
/// [`StoreError::code`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Project IDs are DNS labels.
    #[error(
        "invalid project ID `{0}`: use 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit"
    )]
    InvalidProjectId(String),
    /// `project create` for an ID that exists.
    #[error("project `{0}` already exists")]
    ProjectExists(String),
    /// No such project.
    #[error("project `{0}` does not exist")]
    ProjectNotFound(String),
    /// No such key in the project.
    #[error("project `{project}` has no key `{kid}`")]
    KeyNotFound {
        /// Project ID.
        project: String,
        /// Key ID.
        kid: String,
    },
    /// The per-project key limit.
    #[error(
        "project `{project}` already has {limit} keys, the maximum; delete a key you no longer use (`keyward key delete --project {project} --kid <KID>`) to free a slot"
    )]
    KeyLimitReached {
        /// Project ID.
        project: String,
        /// The configured limit.
        limit: u32,
    },
    /// Disabling or deleting the last active key without `force`.
    #[error(
        "`{kid}` is the last active key of project `{project}`: without it every integration is locked out; pass --force to do it anyway"
    )]
    LastActiveKey {
        /// Project ID.
        project: String,
        /// Key ID.
        kid: String,
    },
    /// Download of a key whose private half never reached keyward.
    #[error(
        "key `{0}` was registered from a public key, so keyward never had its private key; use the private key you kept when you registered it"
    )]
    NoPrivateKey(String),
    /// The master key cannot open a sealed private key.
    #[error(
        "the stored private key cannot be decrypted with this master key (was KEYWARD_MASTER_KEY or the key file changed?)"
    )]
    MasterKeyMismatch,
    /// A master key that is not base64 of 32 bytes.
    #[error("the master key must be base64 of exactly 32 bytes")]
    InvalidMasterKey,
    /// Label too long or with control characters.
    #[error("invalid label: {0}")]
    InvalidLabel(&'static str),
    /// Key material refused by the token rules.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A database URL this build cannot use.
    #[error("{0}")]
    Unsupported(String),
    /// Stored data that does not decode (a bug or tampering).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// No such user.
    #[error("user not found")]
    UserNotFound,
    /// No such identity.
    #[error("identity not found")]
    IdentityNotFound,
    /// A login ID another identity of the project holds.
    #[error("identity already exists")]
    DuplicateIdentity {
        /// `email`, `phone` or `username`.
        login_type: String,
    },
    /// No such role.
    #[error("role not found")]
    RoleNotFound,
    /// No such group.
    #[error("group not found")]
    GroupNotFound,
    /// A role key that is taken.
    #[error("duplicate role key")]
    DuplicateRoleKey,
    /// A group key that is taken.
    #[error("duplicate group key")]
    DuplicateGroupKey,
    /// A resource URI that is taken.
    #[error("duplicate resource uri")]
    DuplicateResourceUri,
    /// A scope the resource has already.
    #[error("duplicate scope")]
    DuplicateScope,
    /// Not an email address.
    #[error("enter an email address such as ada@example.com")]
    InvalidEmail,
    /// An operator with this email exists.
    #[error("a portal account for {0} already exists")]
    PortalUserExists(String),
    /// The one-time setup was already used: an operator exists.
    #[error("the portal is already set up; sign in instead")]
    PortalSetupDone,
    /// A custom domain another project holds.
    #[error("the domain {0} already belongs to a project")]
    DomainTaken(String),
    /// No such OAuth client.
    #[error("OAuth client `{0}` does not exist")]
    ClientNotFound(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying migrations failed.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A backup or restore cannot be done as asked.
    #[error("{0}")]
    Backup(String),
    /// The database was migrated by a newer keyward.
    #[error(
        "the database's schema is version {found}, newer than this keyward knows (up to {known}): \
         a newer keyward has upgraded it; run that version (or newer), or restore a backup taken before the upgrade"
    )]
    SchemaTooNew {
        /// The newest migration applied to the database.
        found: i64,
        /// The newest migration this binary has.
        known: i64,
    },
}

impl StoreError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::InvalidProjectId(_) => "store.invalid_project_id",
            StoreError::ProjectExists(_) => "store.project_exists",
            StoreError::ProjectNotFound(_) => "store.project_not_found",
            StoreError::KeyNotFound { .. } => "store.key_not_found",
            StoreError::KeyLimitReached { .. } => "store.key_limit_reached",
            StoreError::LastActiveKey { .. } => "store.last_active_key",
            StoreError::NoPrivateKey(_) => "store.no_private_key",
            StoreError::MasterKeyMismatch => "store.master_key_mismatch",
            StoreError::InvalidMasterKey => "store.invalid_master_key",
            StoreError::InvalidLabel(_) => "store.invalid_label",
            StoreError::Key(e) => e.code(),
            StoreError::Unsupported(_) => "store.unsupported",
            StoreError::Corrupt(_) => "store.corrupt",
            StoreError::UserNotFound => "store.user_not_found",
            StoreError::IdentityNotFound => "store.identity_not_found",
            StoreError::DuplicateIdentity { .. } => "store.duplicate_identity",
            StoreError::RoleNotFound => "store.role_not_found",
            StoreError::GroupNotFound => "store.group_not_found",
            StoreError::DuplicateRoleKey => "store.duplicate_role_key",
            StoreError::DuplicateGroupKey => "store.duplicate_group_key",
            StoreError::DuplicateResourceUri => "store.duplicate_resource_uri",
            StoreError::DuplicateScope => "store.duplicate_scope",
            StoreError::InvalidEmail => "store.invalid_email",
            StoreError::PortalUserExists(_) => "store.portal_user_exists",
            StoreError::PortalSetupDone => "store.portal_setup_done",
            StoreError::DomainTaken(_) => "store.domain_taken",
            StoreError::ClientNotFound(_) => "store.client_not_found",
            StoreError::Database(_) => "store.database",
            StoreError::Migration(_) => "store.migration",
            StoreError::SchemaTooNew { .. } => "store.schema_too_new",
            StoreError::Backup(_) => "store.backup",
        }
    }

    /// Whether this is the caller's mistake (as opposed to the store failing).
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            StoreError::Database(_) | StoreError::Migration(_) | StoreError::Corrupt(_)
        )
    }

    /// Whether the database could not be reached at all (no connection
    /// within the acquire timeout, a broken connection), as opposed to
    /// answering with an error.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            StoreError::Database(
                sqlx::Error::Io(_)
                    | sqlx::Error::Tls(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::WorkerCrashed
            )
        )
    }
}

/// Shorthand.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
