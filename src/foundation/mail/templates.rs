//! The mail templates: a plain-text and an HTML body per kind, embedded in the binary. HTML is
//! auto-escaped (minijinja escapes by the `.html` name), so a name or address cannot inject
//! markup.

use std::sync::LazyLock;

use minijinja::Environment;
use serde::Serialize;

use crate::foundation::error::{AppError, AppResult};

/// A composed mail, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("templates/", $name)))),*]
    };
}

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in templates![
        "layout.html",
        "verify_email.txt",
        "verify_email.html",
        "change_email.txt",
        "change_email.html",
        "email_change_requested.txt",
        "email_change_requested.html",
        "reset_password.txt",
        "reset_password.html",
        "notification.txt",
        "notification.html",
    ] {
        // A template that does not parse is a bug the unit tests catch.
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "mail template does not parse");
        }
    }
    env
});

/// Renders the `kind` templates (`kind.txt`, `kind.html`) with `context` and `subject`.
pub fn compose(kind: &str, subject: &str, context: impl Serialize) -> AppResult<Composed> {
    let context = minijinja::Value::from_serialize(&context);
    let context = minijinja::context! { subject => subject, ..context };
    let render = |suffix: &str| {
        TEMPLATES
            .get_template(&format!("{kind}.{suffix}"))
            .and_then(|t| t.render(&context))
            .map_err(|e| AppError::internal(format!("mail template {kind}.{suffix}: {e}")))
    };
    Ok(Composed {
        subject: subject.to_owned(),
        text: render("txt")?,
        html: render("html")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_renders_both_bodies_and_escapes_html() {
        for kind in [
            "verify_email",
            "change_email",
            "email_change_requested",
            "reset_password",
        ] {
            let mail = compose(
                kind,
                "Subject",
                serde_json::json!({
                    "name": "<b>Ann</b>", "email": "ann@example.com", "masked": "a***@example.com",
                    "link": "https://app.example/x?token=abc", "token": "abc", "hours": 24, "minutes": 30,
                }),
            )
            .expect(kind);
            assert!(mail.text.contains("<b>Ann</b>"), "{kind}: text is not escaped");
            assert!(
                mail.html.contains("&lt;b&gt;Ann&lt;"),
                "{kind}: html is escaped: {}",
                mail.html
            );
            assert!(!mail.html.contains("<b>Ann</b>"), "{kind}");
            assert!(
                mail.html.contains("<title>Subject</title>"),
                "{kind}: the layout applies"
            );
        }
    }
}
