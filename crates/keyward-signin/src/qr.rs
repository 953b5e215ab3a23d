//! QR codes as inline SVG (qrcodegen makes the modules; the markup is
//! drawn here, so pages need no image stack, no script and no `img-src`).

use maud::{Markup, PreEscaped, html};
use qrcodegen::{QrCode, QrCodeEcc};

/// Modules of quiet zone around the code (the standard's minimum).
const BORDER: i32 = 4;

/// `text` as a QR code in an `<svg>`, or a note when it does not fit (an
/// otpauth URI always does: the largest code holds ~2 KB).
pub fn svg(text: &str) -> Markup {
    let Ok(code) = QrCode::encode_text(text, QrCodeEcc::Medium) else {
        return html! { p { "The QR code could not be drawn; enter the key below instead." } };
    };
    let size = code.size() + 2 * BORDER;
    let mut path = String::new();
    for y in 0..code.size() {
        for x in 0..code.size() {
            if code.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + BORDER, y + BORDER));
            }
        }
    }
    // Only numbers go into the markup, so it needs no escaping.
    html! {
        svg.qr xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {size} {size}"))
            width="220" height="220" role="img" aria-label="QR code of the authenticator key"
            shape-rendering="crispEdges" {
            rect width="100%" height="100%" fill="#fff" {}
            path d=(PreEscaped(path)) fill="#000" {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_square_code_with_its_quiet_zone() {
        let svg = svg("otpauth://totp/acme:ana%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=acme")
            .into_string();
        // Version 5 at level M for this length: 37 modules + 8 of border.
        assert!(svg.contains("viewBox=\"0 0 45 45\""), "{svg}");
        assert!(
            svg.contains("M4,4h1v1h-1z"),
            "the finder pattern's corner is dark"
        );
    }
}
