//! What the identity providers' HTML pages share.

use crate::services::xml::escape;

/// `params` as the hidden fields of a form, escaped.
pub(crate) fn hidden_inputs(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}"/>"#,
                escape(k),
                escape(v)
            )
        })
        .collect()
}
