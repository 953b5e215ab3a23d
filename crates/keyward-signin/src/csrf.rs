//! CSRF protection of the sign-in pages' forms: a random token in a cookie
//! that the form must repeat (compared in constant time; another site can
//! neither read the cookie nor guess the token), and the `Origin` of a
//! POST, when the browser sends one, must be the issuer itself. The cookie
//! is `SameSite=Lax`, not `Strict`: the sign-in page is reached by a
//! cross-site redirect from the app, where a `Strict` cookie would not be
//! sent, and a fresh token would then invalidate the form of any other
//! sign-in tab.

use axum::http::HeaderValue;
use keyward_accounts::secret;

use crate::error::DoorError;
use crate::request::{CSRF_COOKIE, Ctx, cookie};

/// The page's CSRF token, and the cookie to set when the browser had none.
pub fn token(ctx: &Ctx) -> Result<(String, Option<HeaderValue>), DoorError> {
    if let Some(existing) = ctx.cookie(CSRF_COOKIE).filter(|v| v.len() == 43) {
        return Ok((existing, None));
    }
    let fresh = secret::random_token()?;
    let set = cookie(CSRF_COOKIE, &fresh, None, "Lax", ctx.tenant.is_https());
    Ok((fresh, Some(set)))
}

/// Whether a POST carries the right token and comes from the issuer's pages.
pub fn check(ctx: &Ctx, submitted: Option<&str>) -> bool {
    if let Some(origin) = ctx.origin()
        && origin != ctx.tenant.issuer
    {
        return false;
    }
    match (ctx.cookie(CSRF_COOKIE), submitted) {
        (Some(cookie), Some(form)) => {
            aws_lc_rs::constant_time::verify_slices_are_equal(cookie.as_bytes(), form.as_bytes())
                .is_ok()
        }
        _ => false,
    }
}
