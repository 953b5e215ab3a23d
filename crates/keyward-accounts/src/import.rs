//! User import (Authgear's `POST /_api/admin/users/import`): one record at
//! a time, checked against the record rules, matched by its identifier, and
//! inserted or upserted with the spec's semantics and warnings. Each record
//! runs inside a savepoint of the caller's transaction, so a failing record
//! undoes exactly its own writes and the others stand; [`apply_batch`]
//! writes a task's plain new users together and gives every record the
//! outcome it would get alone.
//!
//! As in Authgear, an import writes no audit entry and sends no message.
//! Password hashes are stored as given (bcrypt or argon2id, checked by
//! [`password::check_imported_hash`]) and replaced by argon2id at the first
//! sign-in.

use keyward_store::{Authenticator, Catalog, MasterKey, NewUser, Tx, User};
use serde_json::{Map, Value, json};

use crate::audit::Actor;
use crate::error::{AccountsError, Result};
use crate::loginid::{self, LoginIdType};
use crate::records::{
    add_identity, load, login_values, new_identity, new_password, store_password, sync_and_save,
};
use crate::{password, roles, status, stdattrs, users};

/// Records per task, as in Authgear.
pub const TASK_SIZE: usize = 100;

/// The record field that identifies a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identifier {
    /// `email`.
    Email,
    /// `phone_number`.
    PhoneNumber,
    /// `preferred_username`.
    PreferredUsername,
}

impl Identifier {
    /// The three names, in Authgear's schema order.
    pub const NAMES: [&'static str; 3] = ["preferred_username", "email", "phone_number"];

    /// From its wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Identifier::Email),
            "phone_number" => Some(Identifier::PhoneNumber),
            "preferred_username" => Some(Identifier::PreferredUsername),
            _ => None,
        }
    }

    /// Its wire name (the record field).
    pub fn as_str(self) -> &'static str {
        self.kind().claim()
    }

    fn kind(self) -> LoginIdType {
        match self {
            Identifier::Email => LoginIdType::Email,
            Identifier::PhoneNumber => LoginIdType::Phone,
            Identifier::PreferredUsername => LoginIdType::Username,
        }
    }
}

/// What happened to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new user.
    Inserted,
    /// An existing user, changed.
    Updated,
    /// An existing user, left alone (`upsert: false`).
    Skipped,
    /// Nothing written.
    Failed,
}

impl Outcome {
    /// Its wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Inserted => "inserted",
            Outcome::Updated => "updated",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
        }
    }
}

/// One record's result.
#[derive(Debug)]
pub struct RecordResult {
    /// What happened.
    pub outcome: Outcome,
    /// The user, unless the record failed.
    pub user_id: Option<String>,
    /// What had no effect, in the spec's words.
    pub warnings: Vec<String>,
    /// Why it failed.
    pub error: Option<AccountsError>,
}

/// How an import runs.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Update users that exist instead of skipping them.
    pub upsert: bool,
    /// The field that identifies a user.
    pub identifier: Identifier,
    /// Seals imported TOTP secrets (none: such records fail).
    pub master: Option<&'a MasterKey>,
}

/// Apply one record inside its own savepoint. A store failure (not the
/// record's fault) is returned as `Err`: the whole task must stop and run
/// again later, since the transaction may be unusable.
pub async fn apply(
    tx: &mut Tx,
    actor: &Actor,
    options: Options<'_>,
    record: &Value,
) -> Result<RecordResult> {
    let record = match check(record, options.identifier) {
        Ok(r) => r,
        Err(e) => return Ok(failed(e)),
    };
    tx.savepoint().await?;
    let mut warnings = Vec::new();
    let result = run(tx, actor, options, &record, &mut warnings).await;
    match result {
        Ok((outcome, user_id)) => {
            tx.release_savepoint().await?;
            Ok(RecordResult {
                outcome,
                user_id: Some(user_id),
                warnings,
                error: None,
            })
        }
        Err(e @ AccountsError::Store(_)) => Err(e),
        Err(e) => {
            tx.rollback_to_savepoint().await?;
            Ok(failed(e))
        }
    }
}

/// Apply a task's records with the outcomes [`apply`] gives them one by
/// one in order, in a handful of statements for the common case: records
/// that create a plain user (no roles, groups or second factors) and share
/// no login ID with another record of the task are written together; the
/// others, and all of them when the store finds a login ID taken, go
/// through [`apply`]. Records that share no login ID cannot see each
/// other's writes, so the order of the two groups changes nothing.
pub async fn apply_batch(
    tx: &mut Tx,
    actor: &Actor,
    options: Options<'_>,
    records: &[Value],
) -> Result<Vec<RecordResult>> {
    let project = actor.project.as_str();
    let kind = options.identifier.kind();
    let mut plans: Vec<Plan> = Vec::with_capacity(records.len());
    let mut owners: std::collections::HashMap<String, usize> = Default::default();
    for record in records {
        plans.push(match check(record, options.identifier) {
            Err(e) => Plan::Done(failed(e)),
            Ok(record) => {
                let keys = Keys::of(&record, options.identifier);
                for key in &keys.all {
                    *owners.entry(key.clone()).or_default() += 1;
                }
                match keys.lookup {
                    Some(lookup) if keys.plain => Plan::Candidate(record, lookup, keys.all),
                    _ => Plan::Each,
                }
            }
        });
    }
    let lookups: Vec<String> = plans
        .iter()
        .filter_map(|p| match p {
            Plan::Candidate(_, lookup, _) => Some(lookup.clone()),
            _ => None,
        })
        .collect();
    let found: std::collections::HashMap<String, keyward_store::Identity> = tx
        .identities_by_unique_keys(project, &lookups)
        .await?
        .into_iter()
        .map(|i| (i.unique_key.clone(), i))
        .collect();
    let mut batch = Vec::new();
    for plan in &mut plans {
        let Plan::Candidate(record, lookup, keys) = plan else {
            continue;
        };
        let shared = keys.iter().any(|k| owners.get(k).is_some_and(|&n| n > 1));
        *plan = match found.get(lookup.as_str()) {
            _ if shared => Plan::Each,
            Some(identity) if identity.login_type != kind.as_str() => Plan::Each,
            Some(_) if options.upsert => Plan::Each,
            Some(identity) => Plan::Done(RecordResult {
                outcome: Outcome::Skipped,
                user_id: Some(identity.user_id.clone()),
                warnings: vec![SKIPPED.into()],
                error: None,
            }),
            None => {
                let mut warnings = Vec::new();
                match plan_plain_insert(actor, record, &mut warnings) {
                    Ok(new) => {
                        let user_id = new.user.id.clone();
                        batch.push(new);
                        Plan::Inserted(user_id, warnings)
                    }
                    Err(e) => Plan::Done(failed(e)),
                }
            }
        };
    }
    if !batch.is_empty() && !tx.insert_users(project, &batch).await? {
        for plan in &mut plans {
            if matches!(plan, Plan::Inserted(..)) {
                *plan = Plan::Each;
            }
        }
    }
    let mut results = Vec::with_capacity(records.len());
    for (plan, record) in plans.into_iter().zip(records) {
        results.push(match plan {
            Plan::Done(result) => result,
            Plan::Inserted(user_id, warnings) => RecordResult {
                outcome: Outcome::Inserted,
                user_id: Some(user_id),
                warnings,
                error: None,
            },
            Plan::Candidate(..) | Plan::Each => apply(tx, actor, options, record).await?,
        });
    }
    Ok(results)
}

/// Where a record of [`apply_batch`] stands.
enum Plan {
    /// Decided without writing.
    Done(RecordResult),
    /// Might be written with the batch: the record, its identifier's
    /// lookup key and the keys of its login IDs.
    Candidate(Record, String, Vec<String>),
    /// Written with the batch.
    Inserted(String, Vec<String>),
    /// Goes through [`apply`].
    Each,
}

const SKIPPED: &str = "skipping because upsert = false and user exists";

/// The login-ID keys a checked record touches, which decide what
/// [`apply_batch`] may write together.
struct Keys {
    /// The identifier's lookup key.
    lookup: Option<String>,
    /// Every key its login IDs take (and the lookup key), once each.
    all: Vec<String>,
    /// Whether the record creates a plain user if new: no roles, groups or
    /// second factors (they need the store) and every login ID checks (one
    /// that does not fails in [`apply`] with its reason).
    plain: bool,
}

impl Keys {
    fn of(record: &Record, identifier: Identifier) -> Keys {
        let lookup = record
            .get(identifier.as_str())
            .and_then(Value::as_str)
            .and_then(|v| loginid::lookup_key(identifier.kind(), v));
        let mut plain = !["roles", "groups", "mfa"]
            .iter()
            .any(|k| record.contains_key(*k));
        let mut all: Vec<String> = lookup.iter().cloned().collect();
        for (field, kind) in LOGIN_FIELDS {
            match record.get(field).and_then(Value::as_str) {
                None => {}
                Some(v) => match loginid::check(kind, v) {
                    Ok(login) => all.push(login.unique_key),
                    Err(_) => plain = false,
                },
            }
        }
        all.sort();
        all.dedup();
        Keys { lookup, all, plain }
    }
}

/// [`plan_insert`] with the password: everything a plain insert writes.
fn plan_plain_insert(
    actor: &Actor,
    record: &Record,
    warnings: &mut Vec<String>,
) -> Result<NewUser> {
    let mut new = plan_insert(actor, record, warnings)?;
    if let Some(p) = record.get("password") {
        let (hash, expire_after) = imported_password(p)?;
        new.password = Some(new_password(actor, &new.user.id, hash, expire_after));
    }
    Ok(new)
}

fn failed(e: AccountsError) -> RecordResult {
    RecordResult {
        outcome: Outcome::Failed,
        user_id: None,
        warnings: Vec::new(),
        error: Some(e),
    }
}

/// A record that passed [`check`].
type Record = Map<String, Value>;

const STRING_ATTRS: [&str; 13] = [
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "gender",
    "profile",
    "website",
    "picture",
    "birthdate",
    "zoneinfo",
    "locale",
    "address",
];

const LOGIN_FIELDS: [(&str, LoginIdType); 3] = [
    ("email", LoginIdType::Email),
    ("phone_number", LoginIdType::Phone),
    ("preferred_username", LoginIdType::Username),
];

fn cause(location: &str, kind: &str, details: Value) -> Value {
    json!({"location": location, "kind": kind, "details": details})
}

fn type_cause(location: &str, expected: &str) -> Value {
    cause(location, "type", json!({"expected": [expected]}))
}

fn non_empty(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.is_empty())
}

fn is_rfc3339(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.parse::<jiff::Timestamp>().is_ok())
}

fn check_password(location: &str, v: &Value, causes: &mut Vec<Value>) {
    let Value::Object(p) = v else {
        causes.push(type_cause(location, "object"));
        return;
    };
    for key in ["type", "password_hash"] {
        if !p.contains_key(key) {
            causes.push(cause(location, "required", json!({"missing": [key]})));
        }
    }
    for (key, value) in p {
        let at = format!("{location}/{key}");
        match key.as_str() {
            "type" if value != "bcrypt" => causes.push(cause(
                &at,
                "enum",
                json!({"actual": value, "expected": ["bcrypt"]}),
            )),
            "password_hash" if !non_empty(value) => {
                causes.push(cause(&at, "minLength", json!({"expected": 1})))
            }
            "expire_after" if !is_rfc3339(value) => {
                causes.push(cause(&at, "format", json!({"format": "date-time"})))
            }
            "type" | "password_hash" | "expire_after" => {}
            _ => causes.push(json!({"location": at, "kind": ""})),
        }
    }
}

fn check_mfa(v: &Value, causes: &mut Vec<Value>) {
    let Value::Object(mfa) = v else {
        causes.push(type_cause("/mfa", "object"));
        return;
    };
    for (key, value) in mfa {
        let at = format!("/mfa/{key}");
        match key.as_str() {
            "email" | "phone_number" if value.is_null() => {}
            "email" => {
                if !value.as_str().is_some_and(loginid::is_email) {
                    causes.push(cause(&at, "format", json!({"format": "email"})));
                }
            }
            "phone_number" => {
                let exact = value
                    .as_str()
                    .is_some_and(|s| loginid::parse_phone(s, true).as_deref() == Some(s));
                if !exact {
                    causes.push(cause(&at, "format", json!({"format": "phone"})));
                }
            }
            "password" => check_password(&at, value, causes),
            "totp" => match value {
                Value::Object(t) => {
                    if !t.get("secret").is_some_and(non_empty) {
                        causes.push(cause(&at, "required", json!({"missing": ["secret"]})));
                    }
                    for k in t.keys().filter(|k| *k != "secret") {
                        causes.push(json!({"location": format!("{at}/{k}"), "kind": ""}));
                    }
                }
                _ => causes.push(type_cause(&at, "object")),
            },
            _ => causes.push(json!({"location": at, "kind": ""})),
        }
    }
}

/// Check a record against the record schema for `identifier`
/// (`ValidationFailed` with `invalid value` and every cause, sorted by
/// location).
pub fn check(record: &Value, identifier: Identifier) -> Result<Record> {
    let invalid = |causes: Vec<Value>| AccountsError::validation("invalid value", causes);
    let Value::Object(map) = record else {
        return Err(invalid(vec![type_cause("", "object")]));
    };
    let mut causes = Vec::new();
    match map.get(identifier.as_str()) {
        None | Some(Value::Null) => causes.push(cause(
            "",
            "required",
            json!({"missing": [identifier.as_str()]}),
        )),
        Some(_) => {}
    }
    for (key, value) in map {
        let at = format!("/{key}");
        match key.as_str() {
            "preferred_username" | "email" | "phone_number" if value.is_null() => {}
            "preferred_username" => {
                if !non_empty(value) {
                    causes.push(cause(&at, "minLength", json!({"expected": 1})));
                }
            }
            "email" | "phone_number" => {
                if let Err(c) = stdattrs::check_one(key, value) {
                    causes.push(c);
                }
            }
            "email_verified" | "phone_number_verified" | "disabled" => {
                if !value.is_boolean() {
                    causes.push(type_cause(&at, "boolean"));
                }
            }
            k if STRING_ATTRS.contains(&k) => {
                if !value.is_null()
                    && let Err(c) = stdattrs::check_one(key, value)
                {
                    causes.push(c);
                }
            }
            "custom_attributes" => {
                if !value.is_object() {
                    causes.push(type_cause(&at, "object"));
                }
            }
            "roles" | "groups" => match value {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if !non_empty(item) {
                            causes.push(cause(
                                &format!("{at}/{i}"),
                                "minLength",
                                json!({"expected": 1}),
                            ));
                        }
                    }
                }
                _ => causes.push(type_cause(&at, "array")),
            },
            "account_valid_from" | "account_valid_until" => {
                if !is_rfc3339(value) {
                    causes.push(cause(&at, "format", json!({"format": "date-time"})));
                }
            }
            "password" => check_password("/password", value, &mut causes),
            "mfa" => check_mfa(value, &mut causes),
            _ => causes.push(json!({"location": at, "kind": ""})),
        }
    }
    if causes.is_empty() {
        Ok(map.clone())
    } else {
        causes.sort_by(|a, b| a["location"].as_str().cmp(&b["location"].as_str()));
        Err(invalid(causes))
    }
}

fn micros(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_str)
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_microsecond())
}

async fn run(
    tx: &mut Tx,
    actor: &Actor,
    options: Options<'_>,
    record: &Record,
    warnings: &mut Vec<String>,
) -> Result<(Outcome, String)> {
    let project = actor.project.as_str();
    let key = options.identifier;
    let value = record
        .get(key.as_str())
        .and_then(Value::as_str)
        .unwrap_or_default();
    match users::find_by_login(tx, project, key.kind(), value).await? {
        None => {
            let id = insert(tx, actor, options, record, warnings).await?;
            Ok((Outcome::Inserted, id))
        }
        Some(user) if !options.upsert => {
            warnings.push(SKIPPED.into());
            Ok((Outcome::Skipped, user.id))
        }
        Some(user) => {
            let id = user.id.clone();
            upsert(tx, actor, options, record, user, warnings).await?;
            Ok((Outcome::Updated, id))
        }
    }
}

/// What an insert writes that the record alone decides (no store reads):
/// the user with its attributes and status, its login IDs and verified
/// claims, with the spec's warnings in its order. Roles, groups, the
/// password and second factors come after.
fn plan_insert(actor: &Actor, record: &Record, warnings: &mut Vec<String>) -> Result<NewUser> {
    let mut user = User::new(crate::records::new_id(), actor.now);
    let mut logins = Vec::new();
    for (field, kind) in LOGIN_FIELDS {
        match record.get(field) {
            None => {}
            Some(Value::Null) => warnings.push(format!("{field} = null has no effect in insert.")),
            Some(v) => logins.push(loginid::check(kind, v.as_str().unwrap_or_default())?),
        }
    }
    let mut verified = Vec::new();
    for (flag, field, kind) in [
        ("email_verified", "email", LoginIdType::Email),
        ("phone_number_verified", "phone_number", LoginIdType::Phone),
    ] {
        match record.get(flag) {
            Some(Value::Bool(true)) => match logins.iter().find(|l| l.kind == kind) {
                Some(login) => verified.push((field.to_owned(), login.normalized.clone())),
                None => warnings.push(format!(
                    "{flag} = true has no effect when {field} is absent."
                )),
            },
            Some(_) => warnings.push(format!("{flag} = false has no effect in insert.")),
            None => {}
        }
    }
    for attr in STRING_ATTRS {
        if let Some(v) = record.get(attr).filter(|v| !v.is_null()) {
            user.standard_attributes.insert(attr.to_owned(), v.clone());
        }
    }
    if let Some(Value::Object(custom)) = record.get("custom_attributes") {
        for (k, v) in custom.iter().filter(|(_, v)| !v.is_null()) {
            user.custom_attributes.insert(k.clone(), v.clone());
        }
    }
    let (from, until) = (
        micros(record.get("account_valid_from")),
        micros(record.get("account_valid_until")),
    );
    if from.is_some() || until.is_some() {
        status::set_valid_period(&mut user, from, until)?;
    }
    match record.get("disabled") {
        Some(Value::Bool(true)) => status::set_disabled(&mut user, true, None, (None, None))?,
        Some(_) => warnings.push("disabled = false has no effect in insert.".into()),
        None => {}
    }
    let claims: Vec<(LoginIdType, String)> = logins
        .iter()
        .map(|l| (l.kind, l.normalized.clone()))
        .collect();
    stdattrs::sync_identity_claims(&mut user.standard_attributes, &claims);
    let identities = logins
        .iter()
        .map(|l| new_identity(actor, &user.id, l))
        .collect();
    Ok(NewUser {
        user,
        identities,
        verified,
        password: None,
    })
}

/// Insert one user, statement by statement: a login ID someone else holds
/// is reported with its type, and roles, groups and second factors are
/// checked against the store.
async fn insert(
    tx: &mut Tx,
    actor: &Actor,
    options: Options<'_>,
    record: &Record,
    warnings: &mut Vec<String>,
) -> Result<String> {
    let project = actor.project.as_str();
    let new = plan_insert(actor, record, warnings)?;
    let user_id = new.user.id.clone();
    tx.insert_user(project, &new.user).await?;
    for identity in &new.identities {
        tx.insert_identity(project, identity).await?;
    }
    for (field, value) in &new.verified {
        tx.set_claim_verified(project, &user_id, (field, value), true, actor.now)
            .await?;
    }
    for catalog in [Catalog::Roles, Catalog::Groups] {
        if let Some(keys) = entry_keys(record, catalog) {
            set_entries(tx, actor, catalog, &user_id, keys).await?;
        }
    }
    if let Some(p) = record.get("password") {
        let (hash, expire_after) = imported_password(p)?;
        store_password(tx, actor, &user_id, hash, expire_after).await?;
    }
    if let Some(mfa) = record.get("mfa").and_then(Value::as_object) {
        if mfa.contains_key("password") {
            return Err(unsupported(
                "/mfa/password",
                "keyward has no secondary passwords: remove mfa.password (the user keeps the other factors)",
            ));
        }
        for (field, kind_of) in [("email", "oob_otp_email"), ("phone_number", "oob_otp_sms")] {
            match mfa.get(field) {
                None => {}
                Some(Value::Null) => {
                    warnings.push(format!("mfa.{field} = null has no effect in insert."))
                }
                Some(v) => add_code_factor(tx, actor, &user_id, kind_of, v).await?,
            }
        }
        if let Some(secret) = mfa
            .get("totp")
            .and_then(|t| t.get("secret"))
            .and_then(Value::as_str)
        {
            add_totp(tx, actor, &user_id, secret, options.master).await?;
        }
    }
    Ok(user_id)
}

async fn upsert(
    tx: &mut Tx,
    actor: &Actor,
    options: Options<'_>,
    record: &Record,
    user: User,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let project = actor.project.as_str();
    if user.is_anonymized {
        return Err(AccountsError::UserIsAnonymized);
    }
    let user_id = user.id.clone();
    // Login IDs other than the identifier (which never changes).
    let identifier_field = options.identifier.as_str();
    for (field, kind) in LOGIN_FIELDS
        .into_iter()
        .filter(|(f, _)| *f != identifier_field)
    {
        let Some(v) = record.get(field) else { continue };
        let all = tx.identities_of(project, &user_id).await?;
        let mine: Vec<_> = all
            .iter()
            .filter(|i| i.login_type == kind.as_str())
            .collect();
        match v {
            Value::Null => {
                if !mine.is_empty() && mine.len() == all.len() {
                    return Err(AccountsError::InvariantViolated {
                        kind: "RemoveLastIdentity",
                        message: "cannot remove the last identity",
                    });
                }
                for identity in mine {
                    tx.delete_identity(project, identity).await?;
                }
            }
            v => {
                let login = loginid::check(kind, v.as_str().unwrap_or_default())?;
                match mine.first() {
                    Some(existing) if existing.unique_key == login.unique_key => {}
                    Some(existing) => {
                        let mut changed = (*existing).clone();
                        changed.login_id = login.normalized.clone();
                        changed.unique_key = login.unique_key.clone();
                        changed.original_value = login.original.clone();
                        changed.updated_at = actor.now;
                        tx.update_identity(project, &changed).await?;
                    }
                    None => {
                        add_identity(tx, actor, &user_id, &login).await?;
                    }
                }
            }
        }
    }
    let logins = login_values(tx, project, &user_id).await?;
    for (flag, field, kind) in [
        ("email_verified", "email", LoginIdType::Email),
        ("phone_number_verified", "phone_number", LoginIdType::Phone),
    ] {
        let Some(verified) = record.get(flag).and_then(Value::as_bool) else {
            continue;
        };
        match record.get(field) {
            None => warnings.push(format!("{flag} has no effect when {field} is absent.")),
            Some(Value::Null) => {
                warnings.push(format!("{flag} has no effect when {field} = null."))
            }
            Some(v) => {
                let key = loginid::lookup_key(kind, v.as_str().unwrap_or_default());
                let owned = logins
                    .iter()
                    .find(|(k, value)| *k == kind && loginid::lookup_key(kind, value) == key);
                if let Some((_, value)) = owned {
                    tx.set_claim_verified(project, &user_id, (field, value), verified, actor.now)
                        .await?;
                }
            }
        }
    }
    let mut user = load(tx, project, &user_id).await?;
    for attr in STRING_ATTRS {
        match record.get(attr) {
            None => {}
            Some(Value::Null) => {
                user.standard_attributes.remove(attr);
            }
            Some(v) => {
                user.standard_attributes.insert(attr.to_owned(), v.clone());
            }
        }
    }
    if let Some(Value::Object(custom)) = record.get("custom_attributes") {
        for (k, v) in custom {
            if v.is_null() {
                user.custom_attributes.remove(k);
            } else {
                user.custom_attributes.insert(k.clone(), v.clone());
            }
        }
    }
    if record.contains_key("account_valid_from") || record.contains_key("account_valid_until") {
        let from = micros(record.get("account_valid_from")).or(user.account_valid_from);
        let until = micros(record.get("account_valid_until")).or(user.account_valid_until);
        status::set_valid_period(&mut user, from, until)?;
    }
    if let Some(disabled) = record.get("disabled").and_then(Value::as_bool) {
        // An impossible transition (already disabled, already enabled) is
        // only a warning, as in Authgear.
        if let Err(e) = status::set_disabled(&mut user, disabled, None, (None, None)) {
            warnings.push(e.to_string());
        }
    }
    for catalog in [Catalog::Roles, Catalog::Groups] {
        if let Some(keys) = entry_keys(record, catalog) {
            set_entries(tx, actor, catalog, &user_id, keys).await?;
        }
    }
    if let Some(mfa) = record.get("mfa").and_then(Value::as_object) {
        for (field, kind_of) in [("email", "oob_otp_email"), ("phone_number", "oob_otp_sms")] {
            let Some(v) = mfa.get(field) else { continue };
            let existing: Vec<Authenticator> = tx
                .authenticators_of(project, &user_id)
                .await?
                .into_iter()
                .filter(|a| a.kind_of == kind_of && a.kind == "secondary")
                .collect();
            let wanted = match v {
                Value::Null => None,
                v => Some(code_target(kind_of, v)?),
            };
            if wanted.is_some() && existing.iter().any(|a| a.target == wanted) {
                continue;
            }
            for a in &existing {
                tx.delete_authenticator(project, &a.id).await?;
            }
            if wanted.is_some() {
                add_code_factor(tx, actor, &user_id, kind_of, v).await?;
            }
        }
    }
    sync_and_save(tx, actor, &mut user).await
}

fn unsupported(location: &str, msg: &str) -> AccountsError {
    AccountsError::validation(
        "invalid value",
        vec![cause(location, "general", json!({"msg": msg}))],
    )
}

fn entry_keys(record: &Record, catalog: Catalog) -> Option<Vec<String>> {
    let field = match catalog {
        Catalog::Roles => "roles",
        Catalog::Groups => "groups",
    };
    record.get(field).and_then(Value::as_array).map(|items| {
        let mut keys: Vec<String> = items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        keys.dedup();
        keys
    })
}

/// Make the user's direct roles (or groups) exactly `keys`; unknown keys
/// fail the record (`RoleUnknownKeys` / `GroupUnknownKeys`).
async fn set_entries(
    tx: &mut Tx,
    actor: &Actor,
    catalog: Catalog,
    user_id: &str,
    keys: Vec<String>,
) -> Result<()> {
    let project = actor.project.as_str();
    let (wanted, missing) = tx.entries_by_keys(project, catalog, &keys).await?;
    if !missing.is_empty() {
        return Err(roles::unknown_keys(catalog, missing));
    }
    let current = tx.entries_of_user(project, catalog, user_id).await?;
    let user = [user_id.to_owned()];
    for entry in current
        .iter()
        .filter(|c| !wanted.iter().any(|w| w.id == c.id))
    {
        tx.unlink_users(project, catalog, &entry.id, &user).await?;
    }
    for entry in wanted
        .iter()
        .filter(|w| !current.iter().any(|c| c.id == w.id))
    {
        tx.link_users(project, catalog, &entry.id, &user, actor.now)
            .await?;
    }
    Ok(())
}

/// The stored hash and expiry of an imported `password` object.
fn imported_password(p: &Value) -> Result<(String, Option<i64>)> {
    let hash = p
        .get("password_hash")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok((
        password::check_imported_hash(hash)?,
        micros(p.get("expire_after")),
    ))
}

fn code_target(kind_of: &str, v: &Value) -> Result<String> {
    let kind = if kind_of == "oob_otp_email" {
        LoginIdType::Email
    } else {
        LoginIdType::Phone
    };
    Ok(loginid::check(kind, v.as_str().unwrap_or_default())?.normalized)
}

async fn add_code_factor(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    kind_of: &str,
    v: &Value,
) -> Result<()> {
    let a = Authenticator {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user_id.to_owned(),
        kind_of: kind_of.to_owned(),
        kind: "secondary".into(),
        target: Some(code_target(kind_of, v)?),
        display_name: None,
        password_hash: None,
        is_default: false,
        created_at: actor.now,
        updated_at: actor.now,
    };
    Ok(tx.insert_authenticator(&actor.project, &a, None).await?)
}

/// An export line (spec §5.4) as an import record: the fields an import
/// takes, the rest (IDs, times, counts, identities) left out. The first
/// email, phone and TOTP second factor come along; password hashes are
/// never exported, so users moved this way set a new password (or keep
/// signing in with a code).
pub fn record_from_export(line: &Value) -> Value {
    let mut out = Map::new();
    let Value::Object(line) = line else {
        return Value::Object(out);
    };
    for key in [
        "preferred_username",
        "email",
        "phone_number",
        "custom_attributes",
        "roles",
        "groups",
        "account_valid_from",
        "account_valid_until",
    ]
    .into_iter()
    .chain(STRING_ATTRS)
    {
        match line.get(key) {
            Some(Value::Object(o)) if o.is_empty() => {}
            Some(v) if !v.is_null() => {
                out.insert(key.to_owned(), v.clone());
            }
            _ => {}
        }
    }
    for (flag, field) in [
        ("email_verified", "email"),
        ("phone_number_verified", "phone_number"),
    ] {
        if out.contains_key(field)
            && let Some(v) = line.get(flag)
        {
            out.insert(flag.to_owned(), v.clone());
        }
    }
    if line.get("disabled") == Some(&Value::Bool(true)) {
        out.insert("disabled".into(), Value::Bool(true));
    }
    let mut mfa = Map::new();
    let first = |key: &str| line.get("mfa")?.get(key)?.get(0).cloned();
    if let Some(email) = first("emails") {
        mfa.insert("email".into(), email);
    }
    if let Some(phone) = first("phone_numbers") {
        mfa.insert("phone_number".into(), phone);
    }
    if let Some(secret) = first("totps").and_then(|t| t.get("secret").cloned()) {
        mfa.insert("totp".into(), json!({ "secret": secret }));
    }
    if !mfa.is_empty() {
        out.insert("mfa".into(), Value::Object(mfa));
    }
    Value::Object(out)
}

/// A TOTP secret as authenticator apps give it: RFC 4648 base32 without
/// padding (case and spaces are forgiven, as apps print them grouped).
pub fn decode_totp_secret(secret: &str) -> Result<Vec<u8>> {
    let cleaned: String = secret
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    match data_encoding::BASE32_NOPAD.decode(cleaned.as_bytes()) {
        Ok(bytes) if !bytes.is_empty() => Ok(bytes),
        _ => Err(AccountsError::InvalidTotpSecret),
    }
}

async fn add_totp(
    tx: &mut Tx,
    actor: &Actor,
    user_id: &str,
    secret: &str,
    master: Option<&MasterKey>,
) -> Result<()> {
    let bytes = decode_totp_secret(secret)?;
    let Some(master) = master else {
        return Err(AccountsError::MasterKeyRequired);
    };
    let a = Authenticator {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user_id.to_owned(),
        kind_of: "totp".into(),
        kind: "secondary".into(),
        target: None,
        display_name: Some("Imported".into()),
        password_hash: None,
        is_default: false,
        created_at: actor.now,
        updated_at: actor.now,
    };
    Ok(tx
        .insert_authenticator(&actor.project, &a, Some((master, &bytes)))
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(record: Value) -> Vec<Value> {
        let e = check(&record, Identifier::Email).unwrap_err();
        e.info().unwrap()["causes"].as_array().unwrap().clone()
    }

    #[test]
    fn the_identifier_is_required_and_not_null() {
        let causes = reasons(json!({"name": "A"}));
        assert_eq!(causes[0]["kind"], "required");
        assert_eq!(causes[0]["details"]["missing"], json!(["email"]));
        assert_eq!(reasons(json!({"email": null}))[0]["kind"], "required");
        assert!(
            check(
                &json!({"email": null, "phone_number": "+85291234567"}),
                Identifier::PhoneNumber
            )
            .is_ok()
        );
    }

    #[test]
    fn each_field_rule_reports_its_location() {
        let base = |extra: Value| {
            let mut r = json!({"email": "a@example.com"});
            for (k, v) in extra.as_object().unwrap() {
                r[k] = v.clone();
            }
            reasons(r)
        };
        assert_eq!(
            base(json!({"users": 1}))[0],
            json!({"location": "/users", "kind": ""})
        );
        assert_eq!(base(json!({"email_verified": "yes"}))[0]["kind"], "type");
        assert_eq!(base(json!({"name": ""}))[0]["kind"], "minLength");
        assert_eq!(
            base(json!({"phone_number": "12345"}))[0]["details"]["format"],
            "phone"
        );
        assert_eq!(base(json!({"roles": ["", "a"]}))[0]["location"], "/roles/0");
        assert_eq!(
            base(json!({"account_valid_from": "yesterday"}))[0]["details"]["format"],
            "date-time"
        );
        assert_eq!(
            base(json!({"password": {"type": "md5", "password_hash": "x"}}))[0]["location"],
            "/password/type"
        );
        assert_eq!(
            base(json!({"password": {"type": "bcrypt"}}))[0]["kind"],
            "required"
        );
        assert_eq!(
            base(json!({"mfa": {"totp": {}}}))[0]["location"],
            "/mfa/totp"
        );
        assert_eq!(
            base(json!({"mfa": {"email": "nope"}}))[0]["location"],
            "/mfa/email"
        );
        assert_eq!(base(json!({"custom_attributes": null}))[0]["kind"], "type");
        let many = base(json!({"zoneinfo": "Nowhere", "birthdate": "x"}));
        assert_eq!(many[0]["location"], "/birthdate", "sorted by location");
        assert!(check(&json!([1]), Identifier::Email).is_err());
    }

    #[test]
    fn export_lines_become_import_records() {
        let line = json!({"sub": "u1", "email": "a@example.com", "email_verified": true,
            "phone_number_verified": false, "name": "A", "address": {}, "roles": ["staff"],
            "created_at": "2025-01-01T00:00:00Z", "disabled": false, "is_anonymized": false,
            "identities": [], "mfa": {"totps": [{"secret": "JBSWY3DPEHPK3PXP", "uri": "otpauth://x"}]},
            "biometric_count": 0, "passkey_count": 0});
        let record = record_from_export(&line);
        assert_eq!(
            record,
            json!({"email": "a@example.com", "email_verified": true, "name": "A", "roles": ["staff"],
                   "mfa": {"totp": {"secret": "JBSWY3DPEHPK3PXP"}}})
        );
        assert!(check(&record, Identifier::Email).is_ok());
    }

    #[test]
    fn totp_secrets_are_base32_without_padding() {
        assert_eq!(
            decode_totp_secret("JBSWY3DPEHPK3PXP").unwrap(),
            b"Hello!\xde\xad\xbe\xef"
        );
        assert_eq!(decode_totp_secret("jbsw y3dp ehpk 3pxp").unwrap().len(), 10);
        for bad in ["JBSWY3DPEHPK3PXP====", "not base32!", "1", ""] {
            assert_eq!(
                decode_totp_secret(bad).unwrap_err().reason(),
                "InvalidTOTPSecret",
                "{bad}"
            );
        }
    }
}
