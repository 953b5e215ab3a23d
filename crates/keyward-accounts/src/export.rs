//! User export (Authgear's `POST /_api/admin/users/export`): the request's
//! rules, the record each user becomes (spec §5.4, keys in Authgear's
//! order), and the two file formats: NDJSON lines and CSV rows picked out
//! of the record by JSON pointers. Pure: the door pages through the store
//! and streams what this module renders.

use keyward_store::ExportedUser;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::error::{AccountsError, Result};
use crate::totp;

/// The file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON record per line.
    Ndjson,
    /// A header row, then one row per user.
    Csv,
}

impl Format {
    /// Its wire name (also the file extension).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
        }
    }

    /// The file's media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Ndjson => "application/x-ndjson",
            Format::Csv => "text/csv",
        }
    }
}

/// One CSV column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// An RFC 6901 JSON pointer into the record.
    pub pointer: String,
    /// The header, if given.
    pub field_name: Option<String>,
}

impl Field {
    /// The header: the name given, else the pointer's tokens joined by `.`.
    pub fn name(&self) -> String {
        match &self.field_name {
            Some(n) => n.clone(),
            None => self.tokens().join("."),
        }
    }

    /// The pointer's reference tokens, unescaped.
    pub fn tokens(&self) -> Vec<String> {
        self.pointer
            .split('/')
            .skip(1)
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect()
    }
}

/// What `tokens` (a pointer's, unescaped) point to in `v`, as
/// `Value::pointer` resolves it, without unescaping the pointer again for
/// every row.
fn lookup<'v>(mut v: &'v Value, tokens: &[String]) -> Option<&'v Value> {
    for t in tokens {
        v = match v {
            Value::Object(map) => map.get(t.as_str())?,
            // RFC 6901 array indexes: no sign, no leading zero.
            Value::Array(items) if !t.starts_with('+') && (t == "0" || !t.starts_with('0')) => {
                items.get(t.parse::<usize>().ok()?)?
            }
            _ => return None,
        };
    }
    Some(v)
}

/// A checked export request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The format.
    pub format: Format,
    /// CSV columns, if chosen (else the defaults).
    pub fields: Option<Vec<Field>>,
}

/// The default CSV columns (Authgear's, at run time; no custom attributes,
/// since keyward keeps no schema of them).
pub const DEFAULT_POINTERS: [&str; 41] = [
    "/sub",
    "/preferred_username",
    "/email",
    "/phone_number",
    "/email_verified",
    "/phone_number_verified",
    "/name",
    "/given_name",
    "/middle_name",
    "/nickname",
    "/profile",
    "/picture",
    "/website",
    "/gender",
    "/birthdate",
    "/zoneinfo",
    "/locale",
    "/address/formatted",
    "/address/street_address",
    "/address/locality",
    "/address/region",
    "/address/postal_code",
    "/address/country",
    "/roles",
    "/groups",
    "/disabled",
    "/created_at",
    "/delete_at",
    "/last_login_at",
    "/is_anonymized",
    "/anonymize_at",
    "/temporarily_disabled_from",
    "/temporarily_disabled_until",
    "/account_valid_from",
    "/account_valid_until",
    "/identities",
    "/mfa/emails",
    "/mfa/phone_numbers",
    "/mfa/totps",
    "/biometric_count",
    "/passkey_count",
];

fn is_pointer(p: &str) -> bool {
    if !(p.is_empty() || p.starts_with('/')) {
        return false;
    }
    let b = p.as_bytes();
    b.iter()
        .enumerate()
        .all(|(i, c)| *c != b'~' || matches!(b.get(i + 1), Some(b'0' | b'1')))
}

fn cause(location: &str, kind: &str, details: Value) -> Value {
    json!({"location": location, "kind": kind, "details": details})
}

impl Request {
    /// Check a request body (`ValidationFailed`, `invalid request body`,
    /// causes sorted by location; then `UserExportNonUniqueFieldNames`).
    pub fn parse(body: &Value) -> Result<Request> {
        let invalid = |mut causes: Vec<Value>| {
            causes.sort_by(|a, b| a["location"].as_str().cmp(&b["location"].as_str()));
            AccountsError::validation("invalid request body", causes)
        };
        let Value::Object(map) = body else {
            return Err(invalid(vec![cause(
                "",
                "type",
                json!({"expected": ["object"]}),
            )]));
        };
        let mut causes = Vec::new();
        let format = match map.get("format") {
            None => {
                causes.push(cause(
                    "",
                    "required",
                    json!({"actual": map.keys().collect::<Vec<_>>(), "expected": ["format"], "missing": ["format"]}),
                ));
                None
            }
            Some(Value::String(s)) if s == "ndjson" => Some(Format::Ndjson),
            Some(Value::String(s)) if s == "csv" => Some(Format::Csv),
            Some(other) => {
                causes.push(cause(
                    "/format",
                    "enum",
                    json!({"actual": other, "expected": ["ndjson", "csv"]}),
                ));
                None
            }
        };
        for key in map
            .keys()
            .filter(|k| !matches!(k.as_str(), "format" | "csv"))
        {
            causes.push(json!({"location": format!("/{key}"), "kind": ""}));
        }
        let mut fields = None;
        match map.get("csv") {
            None => {}
            Some(Value::Object(csv)) => match csv.get("fields") {
                None => {}
                Some(Value::Array(items)) if items.is_empty() => causes.push(cause(
                    "/csv/fields",
                    "minItems",
                    json!({"actual": 0, "expected": 1}),
                )),
                Some(Value::Array(items)) => {
                    let mut list = Vec::new();
                    for (i, item) in items.iter().enumerate() {
                        let at = format!("/csv/fields/{i}");
                        let Value::Object(f) = item else {
                            causes.push(cause(&at, "type", json!({"expected": ["object"]})));
                            continue;
                        };
                        let pointer = match f.get("pointer") {
                            Some(Value::String(p)) if is_pointer(p) => Some(p.clone()),
                            Some(Value::String(_)) => {
                                causes.push(cause(
                                    &format!("{at}/pointer"),
                                    "format",
                                    json!({"format": "json-pointer"}),
                                ));
                                None
                            }
                            Some(_) => {
                                causes.push(cause(
                                    &format!("{at}/pointer"),
                                    "type",
                                    json!({"expected": ["string"]}),
                                ));
                                None
                            }
                            None => {
                                causes.push(cause(
                                    &at,
                                    "required",
                                    json!({"missing": ["pointer"]}),
                                ));
                                None
                            }
                        };
                        let field_name = match f.get("field_name") {
                            None => None,
                            Some(Value::String(n)) if !n.is_empty() => Some(n.clone()),
                            Some(_) => {
                                causes.push(cause(
                                    &format!("{at}/field_name"),
                                    "minLength",
                                    json!({"expected": 1}),
                                ));
                                None
                            }
                        };
                        if let Some(pointer) = pointer {
                            list.push(Field {
                                pointer,
                                field_name,
                            });
                        }
                    }
                    fields = Some(list);
                }
                Some(_) => {
                    causes.push(cause("/csv/fields", "type", json!({"expected": ["array"]})))
                }
            },
            Some(_) => causes.push(cause("/csv", "type", json!({"expected": ["object"]}))),
        }
        let Some(format) = format.filter(|_| causes.is_empty()) else {
            return Err(invalid(causes));
        };
        if let Some(fields) = &fields {
            let names: Vec<String> = fields.iter().map(Field::name).collect();
            let unique: std::collections::BTreeSet<&String> = names.iter().collect();
            if unique.len() != names.len() {
                return Err(AccountsError::NonUniqueFieldNames(names));
            }
        }
        Ok(Request { format, fields })
    }

    /// The request as the status echoes it (JSON text, keys in
    /// Authgear's order: `format`, then `csv.fields[]` of `pointer` and
    /// `field_name`).
    pub fn to_json_text(&self) -> String {
        #[derive(Serialize)]
        struct Echo<'a> {
            format: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            csv: Option<Csv<'a>>,
        }
        #[derive(Serialize)]
        struct Csv<'a> {
            fields: Vec<FieldEcho<'a>>,
        }
        #[derive(Serialize)]
        struct FieldEcho<'a> {
            pointer: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            field_name: Option<&'a str>,
        }
        let echo = Echo {
            format: self.format.as_str(),
            csv: self.fields.as_ref().map(|fields| Csv {
                fields: fields
                    .iter()
                    .map(|f| FieldEcho {
                        pointer: &f.pointer,
                        field_name: f.field_name.as_deref(),
                    })
                    .collect(),
            }),
        };
        serde_json::to_string(&echo).unwrap_or_default()
    }

    /// The CSV columns: those asked for, else the defaults.
    pub fn columns(&self) -> Vec<Field> {
        self.fields.clone().unwrap_or_else(|| {
            DEFAULT_POINTERS
                .iter()
                .map(|p| Field {
                    pointer: (*p).to_owned(),
                    field_name: None,
                })
                .collect()
        })
    }
}

/// An RFC 3339 UTC time with only the fraction it needs, as Go prints it.
pub fn timestamp(micros: i64) -> String {
    jiff::Timestamp::from_microsecond(micros)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn is_empty(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(str::is_empty)
}

/// One user as an export line (spec §5.4, in its key order).
#[derive(Debug, Serialize)]
pub struct Record {
    sub: String,
    #[serde(skip_serializing_if = "is_empty")]
    preferred_username: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    email: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    phone_number: Option<String>,
    email_verified: bool,
    phone_number_verified: bool,
    #[serde(skip_serializing_if = "is_empty")]
    name: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    given_name: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    family_name: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    middle_name: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    nickname: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    profile: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    picture: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    website: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    gender: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    birthdate: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    zoneinfo: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    locale: Option<String>,
    address: Address,
    #[serde(skip_serializing_if = "Map::is_empty")]
    custom_attributes: Map<String, Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    roles: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    groups: Vec<String>,
    created_at: String,
    disabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    delete_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_login_at: Option<String>,
    is_anonymized: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    anonymize_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temporarily_disabled_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temporarily_disabled_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_valid_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_valid_until: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    identities: Vec<ExportedIdentity>,
    mfa: Mfa,
    biometric_count: u32,
    passkey_count: u32,
}

#[derive(Debug, Default, Serialize)]
struct Address {
    #[serde(skip_serializing_if = "is_empty")]
    formatted: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    street_address: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    locality: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    region: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    postal_code: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    country: Option<String>,
}

#[derive(Debug, Serialize)]
struct ExportedIdentity {
    #[serde(rename = "type")]
    kind: &'static str,
    login_id: LoginIdEntry,
    claims: Map<String, Value>,
}

#[derive(Debug, Serialize)]
struct LoginIdEntry {
    key: String,
    #[serde(rename = "type")]
    kind: String,
    value: String,
    original_value: String,
}

#[derive(Debug, Default, Serialize)]
struct Mfa {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    emails: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    phone_numbers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    totps: Vec<Totp>,
}

#[derive(Debug, Serialize)]
struct Totp {
    secret: String,
    uri: String,
}

impl Record {
    /// The record of `u`; `issuer` is the project's public origin (the
    /// TOTP URIs' issuer).
    pub fn of(u: &ExportedUser, issuer: &str) -> Record {
        let attrs = &u.user.standard_attributes;
        let text = |k: &str| attrs.get(k).and_then(Value::as_str).map(str::to_owned);
        let verified = |claim: &str| {
            text(claim).is_some_and(|v| u.verified.iter().any(|(n, x)| n == claim && *x == v))
        };
        let address = attrs
            .get("address")
            .and_then(Value::as_object)
            .map(|a| {
                let part = |k: &str| a.get(k).and_then(Value::as_str).map(str::to_owned);
                Address {
                    formatted: part("formatted"),
                    street_address: part("street_address"),
                    locality: part("locality"),
                    region: part("region"),
                    postal_code: part("postal_code"),
                    country: part("country"),
                }
            })
            .unwrap_or_default();
        let identities = u
            .identities
            .iter()
            .map(|i| {
                let claim = crate::loginid::LoginIdType::parse(&i.login_type)
                    .map(|k| k.claim())
                    .unwrap_or("email");
                let mut claims = Map::new();
                claims.insert(claim.to_owned(), Value::String(i.login_id.clone()));
                ExportedIdentity {
                    kind: "login_id",
                    login_id: LoginIdEntry {
                        key: i.key.clone(),
                        kind: i.login_type.clone(),
                        value: i.login_id.clone(),
                        original_value: i.original_value.clone(),
                    },
                    claims,
                }
            })
            .collect();
        let account = text("email")
            .or_else(|| text("preferred_username"))
            .or_else(|| text("phone_number"))
            .unwrap_or_default();
        let mut mfa = Mfa::default();
        for (a, secret) in &u.authenticators {
            match (a.kind_of.as_str(), &a.target, secret) {
                ("oob_otp_email", Some(t), _) => mfa.emails.push(t.clone()),
                ("oob_otp_sms", Some(t), _) => mfa.phone_numbers.push(t.clone()),
                ("totp", _, Some(secret)) => {
                    let text = totp::secret_text(secret);
                    mfa.totps.push(Totp {
                        uri: format!(
                            "otpauth://totp/{}?algorithm=SHA1&digits={}&issuer={}&period={}&secret={text}",
                            totp::percent(&account),
                            totp::DIGITS,
                            totp::percent(issuer),
                            totp::STEP_SECS,
                        ),
                        secret: text,
                    })
                }
                _ => {}
            }
        }
        let user = &u.user;
        Record {
            sub: user.id.clone(),
            preferred_username: text("preferred_username"),
            email: text("email"),
            phone_number: text("phone_number"),
            email_verified: verified("email"),
            phone_number_verified: verified("phone_number"),
            name: text("name"),
            given_name: text("given_name"),
            family_name: text("family_name"),
            middle_name: text("middle_name"),
            nickname: text("nickname"),
            profile: text("profile"),
            picture: text("picture"),
            website: text("website"),
            gender: text("gender"),
            birthdate: text("birthdate"),
            zoneinfo: text("zoneinfo"),
            locale: text("locale"),
            address,
            custom_attributes: user.custom_attributes.clone(),
            roles: u.roles.clone(),
            groups: u.groups.clone(),
            created_at: timestamp(user.created_at),
            disabled: user.is_disabled,
            delete_at: user.delete_at.map(timestamp),
            last_login_at: user.last_login_at.map(timestamp),
            is_anonymized: user.is_anonymized,
            anonymize_at: user.anonymize_at.map(timestamp),
            temporarily_disabled_from: user.temporarily_disabled_from.map(timestamp),
            temporarily_disabled_until: user.temporarily_disabled_until.map(timestamp),
            account_valid_from: user.account_valid_from.map(timestamp),
            account_valid_until: user.account_valid_until.map(timestamp),
            identities,
            mfa,
            biometric_count: 0,
            passkey_count: 0,
        }
    }

    /// Append the record as one NDJSON line.
    pub fn write_line(&self, out: &mut Vec<u8>) -> Result<()> {
        serde_json::to_writer(&mut *out, self)
            .map_err(|e| AccountsError::Internal(format!("cannot render a record: {e}")))?;
        out.push(b'\n');
        Ok(())
    }

    /// Append the record as one CSV row of the columns whose pointers'
    /// tokens are `columns`.
    pub fn write_row(&self, columns: &[Vec<String>], out: &mut Vec<u8>) -> Result<()> {
        let value = serde_json::to_value(self)
            .map_err(|e| AccountsError::Internal(format!("cannot render a record: {e}")))?;
        for (i, tokens) in columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_cell(lookup(&value, tokens), out);
        }
        out.push(b'\n');
        Ok(())
    }
}

/// Append a page of users in `format` (CSV rows of `columns`).
pub fn render_page(
    users: &[ExportedUser],
    issuer: &str,
    format: Format,
    columns: &[Field],
    out: &mut Vec<u8>,
) -> Result<()> {
    let tokens: Vec<Vec<String>> = columns.iter().map(Field::tokens).collect();
    for user in users {
        let record = Record::of(user, issuer);
        match format {
            Format::Ndjson => record.write_line(out),
            Format::Csv => record.write_row(&tokens, out),
        }?;
    }
    Ok(())
}

/// Append a CSV cell: strings as they are, numbers and booleans as JSON
/// prints them, arrays and objects as compact JSON with sorted keys, nothing
/// for null or a pointer that resolves to nothing.
fn write_cell(v: Option<&Value>, out: &mut Vec<u8>) {
    match v {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => write_csv_cell(s, out),
        Some(other) => write_csv_cell(&other.to_string(), out),
    }
}

/// Append one CSV line (comma, LF).
pub fn write_csv_row(cells: &[String], out: &mut Vec<u8>) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_csv_cell(c, out);
    }
    out.push(b'\n');
}

/// Append one cell, quoted as Go's `encoding/csv` quotes it.
fn write_csv_cell(c: &str, out: &mut Vec<u8>) {
    let quote =
        c == r"\." || c.starts_with(char::is_whitespace) || c.contains([',', '"', '\r', '\n']);
    if !quote {
        out.extend_from_slice(c.as_bytes());
        return;
    }
    out.push(b'"');
    for part in c.split_inclusive('"') {
        out.extend_from_slice(part.as_bytes());
        if part.ends_with('"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

/// The CSV header row.
pub fn write_header(columns: &[Field], out: &mut Vec<u8>) {
    let names: Vec<String> = columns.iter().map(Field::name).collect();
    write_csv_row(&names, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_resolve_as_serde_json_resolves_them() {
        let v = json!({"a/b": 1, "m~n": 2, "list": [10, 11, {"x": [true]}], "": {"": 3},
            "0": "zero", "obj": {"01": "key"}});
        for pointer in [
            "",
            "/",
            "/a~1b",
            "/m~0n",
            "/list",
            "/list/0",
            "/list/1",
            "/list/2/x/0",
            "/list/01",
            "/list/+1",
            "/list/-",
            "/list/3",
            "/list/x",
            "//",
            "/0",
            "/obj/01",
            "/missing/deeper",
            "/list/0/0",
        ] {
            let field = Field {
                pointer: pointer.into(),
                field_name: None,
            };
            assert_eq!(lookup(&v, &field.tokens()), v.pointer(pointer), "{pointer}");
        }
    }

    #[test]
    fn requests_are_checked_as_authgear_does() {
        let ok = Request::parse(&json!({"format": "ndjson"})).unwrap();
        assert_eq!(ok.format, Format::Ndjson);
        assert_eq!(ok.to_json_text(), r#"{"format":"ndjson"}"#);
        let e = Request::parse(&json!({"format": "xml"})).unwrap_err();
        assert_eq!(e.info().unwrap()["causes"][0]["location"], "/format");
        let e = Request::parse(&json!({})).unwrap_err();
        assert_eq!(e.info().unwrap()["causes"][0]["kind"], "required");
        let e = Request::parse(&json!({"format": "csv", "extra": 1})).unwrap_err();
        assert_eq!(e.info().unwrap()["causes"][0]["location"], "/extra");
        let e = Request::parse(&json!({"format": "csv", "csv": {"fields": []}})).unwrap_err();
        assert_eq!(e.info().unwrap()["causes"][0]["kind"], "minItems");
        let e = Request::parse(&json!({"format": "csv", "csv": {"fields": [{"pointer": "a~2"}]}}))
            .unwrap_err();
        assert_eq!(
            e.info().unwrap()["causes"][0]["details"]["format"],
            "json-pointer"
        );
        let e = Request::parse(&json!({"format": "ndjson", "csv": {"fields": [
            {"pointer": "/email"}, {"pointer": "/sub", "field_name": "email"}]}}))
        .unwrap_err();
        assert_eq!(e.reason(), "UserExportNonUniqueFieldNames");
        assert_eq!(e.info().unwrap()["field_names"], json!(["email", "email"]));
        let r = Request::parse(&json!({"format": "csv", "csv": {"fields": [
            {"pointer": "/sub", "field_name": "user_id"}, {"pointer": "/address/formatted"}, {"pointer": "/a~1b"}]}}))
        .unwrap();
        assert_eq!(
            r.to_json_text(),
            r#"{"format":"csv","csv":{"fields":[{"pointer":"/sub","field_name":"user_id"},{"pointer":"/address/formatted"},{"pointer":"/a~1b"}]}}"#
        );
        assert_eq!(
            Request::parse(&serde_json::from_str(&r.to_json_text()).unwrap()).unwrap(),
            r
        );
        let names: Vec<String> = r.columns().iter().map(Field::name).collect();
        assert_eq!(names, ["user_id", "address.formatted", "a/b"]);
    }

    #[test]
    fn csv_quotes_like_go() {
        let mut out = Vec::new();
        let cells: Vec<String> = ["plain", "a,b", "say \"hi\"", " lead", r"\.", "", "x\ny"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        write_csv_row(&cells, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\" lead\",\"\\.\",,\"x\ny\"\n"
        );
        let cell = |v: Option<&Value>| {
            let mut out = Vec::new();
            write_cell(v, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            cell(Some(&json!({"b": 1, "a": [true]}))),
            r#""{""a"":[true],""b"":1}""#
        );
        assert_eq!(cell(Some(&json!(0))), "0");
        assert_eq!(cell(None), "");
    }

    #[test]
    fn timestamps_trim_the_fraction() {
        assert_eq!(timestamp(1_740_816_001_500_000), "2025-03-01T08:00:01.5Z");
        assert_eq!(timestamp(1_740_816_001_000_000), "2025-03-01T08:00:01Z");
        assert_eq!(
            timestamp(1_740_816_001_234_567),
            "2025-03-01T08:00:01.234567Z"
        );
    }
}
