//! The HTML the form-based identity providers answer (AD FS, PingFederate,
//! Okta's app link): a page's first form, its inputs, and the SAMLResponse
//! an auto-submitting form carries. Pages are read as identity providers
//! write them, not as a browser would: no scripts, first form only.

/// A form: where it posts, and its inputs in order.
#[derive(Debug, Default)]
pub(crate) struct Form {
    pub action: String,
    /// `(name, value, type)` of each `<input>`.
    pub inputs: Vec<(String, String, String)>,
}

/// An attribute of a tag's text (`name="…"` or `name='…'`), references decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find(name) {
        let start = from + at;
        from = start + name.len();
        let before = lower[..start].chars().last();
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let rest = tag[from..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let quote = rest.chars().next()?;
        let value = if quote == '"' || quote == '\'' {
            rest[1..].split(quote).next()?
        } else {
            rest.split(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .next()?
        };
        return Some(decode_references(value));
    }
    None
}

/// The tags named `name` in `page`, each as its text between `<` and `>`.
fn tags<'p>(page: &'p str, name: &str) -> Vec<&'p str> {
    let lower = page.to_ascii_lowercase();
    let open = format!("<{name}");
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find(&open) {
        let start = from + at;
        let Some(len) = page[start..].find('>') else {
            break;
        };
        let after = lower[start + open.len()..].chars().next();
        if after.is_some_and(|c| c.is_whitespace() || c == '>' || c == '/') {
            found.push(&page[start..start + len]);
        }
        from = start + len;
    }
    found
}

/// The page's first form and the inputs inside it.
pub(crate) fn first_form(page: &str) -> Option<Form> {
    let lower = page.to_ascii_lowercase();
    let start = lower.find("<form")?;
    let end = lower[start..]
        .find("</form")
        .map_or(page.len(), |e| start + e);
    let body = &page[start..end];
    let form_tag = tags(body, "form").into_iter().next()?;
    Some(Form {
        action: attribute(form_tag, "action").unwrap_or_default(),
        inputs: tags(body, "input")
            .into_iter()
            .filter_map(|tag| {
                Some((
                    attribute(tag, "name")?,
                    attribute(tag, "value").unwrap_or_default(),
                    attribute(tag, "type")
                        .unwrap_or_else(|| "text".into())
                        .to_ascii_lowercase(),
                ))
            })
            .collect(),
    })
}

/// The value of the page's `SAMLResponse` input.
pub(crate) fn saml_response(page: &str) -> Option<String> {
    tags(page, "input")
        .into_iter()
        .find(|tag| attribute(tag, "name").as_deref() == Some("SAMLResponse"))
        .and_then(|tag| attribute(tag, "value"))
        .filter(|v| !v.is_empty())
}

/// The text of the element whose `id` is `id`, tags stripped, for the
/// error an identity provider shows on its sign-in page.
pub(crate) fn text_of(page: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\"");
    let at = page.find(&marker)?;
    let start = at + page[at..].find('>')? + 1;
    let end = start + page[start..].find("</")?;
    let text = decode_references(page[start..end].trim());
    (!text.is_empty()).then(|| text.chars().take(300).collect())
}

/// `&#x2b;`, `&#43;`, `&amp;` and the other references an attribute holds.
pub(crate) fn decode_references(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let decoded = tail.find(';').and_then(|end| {
            let entity = &tail[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_inputs_and_responses() {
        let page = r#"<html><body><FORM method="post" id="loginForm" action="/adfs/ls/?client-request-id=1&amp;x=2">
<input id="userNameInput" name="UserName" type="email" value="" />
<input name='Password' type='password'>
<input type="hidden" name="AuthMethod" value="FormsAuthentication"/>
<input type="checkbox" name="Kmsi" value="true"/></form><form action="/other"><input name="x"></form>"#;
        let form = first_form(page).unwrap();
        assert_eq!(form.action, "/adfs/ls/?client-request-id=1&x=2");
        let names: Vec<&str> = form.inputs.iter().map(|i| i.0.as_str()).collect();
        assert_eq!(names, ["UserName", "Password", "AuthMethod", "Kmsi"]);
        assert_eq!(form.inputs[2].1, "FormsAuthentication");
        assert_eq!(form.inputs[1].2, "password");
        let posted = r#"<form><input type="hidden" name="SAMLResponse" value="PHNh&#x2b;bWw&#x3d;&amp;" /></form>"#;
        assert_eq!(saml_response(posted).as_deref(), Some("PHNh+bWw=&"));
        assert_eq!(saml_response(page), None);
        let error = r#"<span id="errorText" class="x">Incorrect user ID or password.</span>"#;
        assert_eq!(
            text_of(error, "errorText").as_deref(),
            Some("Incorrect user ID or password.")
        );
        assert_eq!(decode_references("a&#43;b&unknown;c&"), "a+b&unknown;c&");
    }
}
