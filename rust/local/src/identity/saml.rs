//! SAML as STS and Lake Formation see it: a `SAMLResponse`'s XML signature is
//! verified with bergshamra (a maintained XML-DSig library, not our own
//! canonicalisation) against the certificates of the SAML provider the call
//! names, then the checks AWS documents for AssumeRoleWithSAML: issuer,
//! recipient, audience, validity window, the Role attribute's pair, the role's
//! trust and RoleSessionName; a replayed assertion is refused. The built-in
//! test identity provider signs responses for the tests with the same library.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bergshamra_dsig::{DsigContext, VerifyResult};
use bergshamra_keys::{loader, KeysManager};
use serde::Deserialize;

use crate::config::SamlProviderConfig;
use crate::services::xml::escape;

const ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
const SESSION_NAME: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
const SESSION_DURATION: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";
const ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const PROTOCOL_NS: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// Where AWS's sign-in receives SAML responses (the default recipient).
pub const AWS_SIGN_IN: &str = "https://signin.aws.amazon.com/saml";
const AUDIENCES: [&str; 2] = [AWS_SIGN_IN, "urn:amazon:webservices"];
/// STS takes SAMLAssertion values of at most this many characters.
const MAX_ASSERTION: usize = 100_000;

/// Why an assertion is refused, as STS names it.
#[derive(Debug, PartialEq)]
pub enum SamlError {
    /// `InvalidIdentityToken` (400).
    Invalid(String),
    /// `ExpiredTokenException` (400).
    Expired(String),
    /// `AccessDenied` (403): the role is not offered or does not trust the provider.
    Denied(String),
    /// `ValidationError` (400): a parameter out of range.
    Validation(String),
}

/// What STS answers about a verified assertion.
#[derive(Debug)]
pub struct VerifiedAssertion {
    pub session_name: String,
    pub session_duration: Option<u64>,
    pub subject: String,
    pub subject_type: String,
    pub issuer: String,
    pub recipient: String,
}

struct Provider {
    arn: String,
    issuer: Option<String>,
    certificates: String,
    signing_key: Option<String>,
}

/// The account's SAML providers and the assertion ids already redeemed.
pub struct SamlProviders {
    providers: Vec<Provider>,
    /// Assertion id → until when (ms) it could be replayed.
    redeemed: Mutex<HashMap<String, i64>>,
}

impl SamlProviders {
    pub fn load(configs: &[SamlProviderConfig]) -> Result<SamlProviders, String> {
        let read = |path: &PathBuf| {
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
        };
        let mut providers = Vec::new();
        for c in configs {
            providers.push(Provider {
                arn: c.arn.clone(),
                issuer: c.issuer.clone(),
                certificates: read(&c.certificate)?,
                signing_key: c.signing_key.as_ref().map(read).transpose()?,
            });
        }
        Ok(SamlProviders {
            providers,
            redeemed: Mutex::new(HashMap::new()),
        })
    }

    fn provider(&self, arn: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.arn == arn)
    }

    /// The checks of AssumeRoleWithSAML, except the role's trust (the caller's).
    pub fn verify(
        &self,
        encoded: &str,
        role_arn: &str,
        principal_arn: &str,
        now_ms: i64,
    ) -> Result<VerifiedAssertion, SamlError> {
        let invalid = |m: &str| SamlError::Invalid(m.to_string());
        if encoded.len() > MAX_ASSERTION {
            return Err(invalid("SAMLAssertion is longer than 100000 characters"));
        }
        let provider = self.provider(principal_arn).ok_or_else(|| {
            invalid(&format!(
                "Specified provider doesn't exist ({principal_arn} is not in [[identity.saml_providers]])"
            ))
        })?;
        let xml = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| invalid("SAMLAssertion is not the base64 of a SAML response"))?;
        let signed = signed_ids(&xml, &provider.certificates).map_err(|why| {
            invalid(&format!(
                "Response signature invalid: {why} (the response must be signed by a certificate of {principal_arn})"
            ))
        })?;
        let doc = roxmltree::Document::parse(&xml)
            .map_err(|e| invalid(&format!("Response is not XML: {e}")))?;
        let root = doc.root_element();
        if !is(root, PROTOCOL_NS, "Response") {
            return Err(invalid("SAMLAssertion is not a SAML 2.0 Response"));
        }
        let response_signed = root
            .attribute("ID")
            .is_some_and(|id| signed.contains(&id.to_string()));
        // Only a signed assertion counts (no signature wrapping).
        let assertion = root
            .children()
            .find(|n| {
                is(*n, ASSERTION_NS, "Assertion")
                    && (response_signed
                        || n.attribute("ID")
                            .is_some_and(|id| signed.contains(&id.to_string())))
            })
            .ok_or_else(|| invalid("Response signature invalid: no signed assertion"))?;
        let issuer = child_text(assertion, "Issuer")
            .or_else(|| child_text(root, "Issuer"))
            .unwrap_or_default();
        if let Some(expected) = &provider.issuer {
            if &issuer != expected {
                return Err(invalid(&format!(
                    "Issuer not present in specified provider ({issuer})"
                )));
            }
        }
        let confirmation = assertion
            .descendants()
            .find(|n| is(*n, ASSERTION_NS, "SubjectConfirmationData"))
            .ok_or_else(|| invalid("SubjectConfirmationData is required in AuthnResponse"))?;
        let recipient = confirmation.attribute("Recipient").unwrap_or_default();
        if !is_aws_recipient(recipient) && !is_loopback_recipient(recipient) {
            return Err(invalid(&format!(
                "Invalid Recipient '{recipient}': the response is for {AWS_SIGN_IN} (or a desktop driver's http://localhost:PORT listener)"
            )));
        }
        let end = confirmation
            .attribute("NotOnOrAfter")
            .and_then(epoch_ms)
            .ok_or_else(|| invalid("NotOnOrAfter is required in SubjectConfirmationData"))?;
        if end <= now_ms {
            return Err(SamlError::Expired("Response has expired".into()));
        }
        let conditions = assertion
            .children()
            .find(|n| is(*n, ASSERTION_NS, "Conditions"));
        if let Some(start) = conditions
            .and_then(|c| c.attribute("NotBefore"))
            .and_then(epoch_ms)
        {
            if start > now_ms + 60_000 {
                return Err(invalid(
                    "Response is not yet valid (NotBefore is in the future)",
                ));
            }
        }
        if conditions
            .and_then(|c| c.attribute("NotOnOrAfter"))
            .and_then(epoch_ms)
            .is_some_and(|e| e <= now_ms)
        {
            return Err(SamlError::Expired("Response has expired".into()));
        }
        let audiences: Vec<&str> = assertion
            .descendants()
            .filter(|n| is(*n, ASSERTION_NS, "Audience"))
            .filter_map(|n| n.text())
            .map(str::trim)
            .collect();
        if !audiences.is_empty() && !audiences.iter().any(|a| AUDIENCES.contains(a)) {
            return Err(invalid(&format!(
                "Audience restriction {audiences:?} does not include {AWS_SIGN_IN}"
            )));
        }
        let attribute = |name: &str| -> Vec<String> {
            assertion
                .descendants()
                .filter(|n| is(*n, ASSERTION_NS, "Attribute") && n.attribute("Name") == Some(name))
                .flat_map(|a| {
                    a.children()
                        .filter(|n| is(*n, ASSERTION_NS, "AttributeValue"))
                })
                .filter_map(|n| n.text())
                .map(|t| t.trim().to_string())
                .collect()
        };
        let offered = attribute(ROLE).iter().any(|pair| {
            let mut parts: Vec<&str> = pair.split(',').map(str::trim).collect();
            parts.sort_unstable();
            let mut wanted = vec![role_arn, principal_arn];
            wanted.sort_unstable();
            parts == wanted
        });
        if !offered {
            return Err(SamlError::Denied(format!(
                "Not authorized to perform sts:AssumeRoleWithSAML: the assertion's {ROLE} attribute does not offer {role_arn} with {principal_arn}"
            )));
        }
        let session_name = attribute(SESSION_NAME)
            .into_iter()
            .next()
            .ok_or_else(|| invalid("RoleSessionName is required in AuthnResponse"))?;
        let ok = (2..=64).contains(&session_name.len())
            && session_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
        if !ok {
            return Err(invalid(
                "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
            ));
        }
        let name_id = assertion
            .descendants()
            .find(|n| is(*n, ASSERTION_NS, "NameID"));
        let id = assertion.attribute("ID").unwrap_or_default().to_string();
        {
            let mut redeemed = self.redeemed.lock().unwrap_or_else(|p| p.into_inner());
            redeemed.retain(|_, until| *until > now_ms);
            if redeemed.contains_key(&id) {
                return Err(invalid(&format!(
                    "the assertion {id} was redeemed before; identity providers issue one per sign-in (athena-local refuses replays)"
                )));
            }
            redeemed.insert(id, end);
        }
        Ok(VerifiedAssertion {
            session_name,
            session_duration: attribute(SESSION_DURATION)
                .first()
                .and_then(|d| d.parse().ok()),
            subject: name_id
                .and_then(|n| n.text())
                .unwrap_or_default()
                .trim()
                .to_string(),
            subject_type: name_id
                .and_then(|n| n.attribute("Format"))
                .map(|f| f.rsplit(':').next().unwrap_or(f).to_string())
                .unwrap_or_else(|| "unspecified".into()),
            issuer,
            recipient: recipient.to_string(),
        })
    }

    /// The test identity provider: a response signed with the key of `req.signer`.
    pub fn mint(&self, req: &MintRequest, now_ms: i64) -> Result<String, String> {
        let provider = self
            .provider(&req.signer)
            .ok_or_else(|| format!("{} is not in [[identity.saml_providers]]", req.signer))?;
        let key_pem = provider
            .signing_key
            .as_deref()
            .ok_or_else(|| format!("{} has no signing_key to sign with", req.signer))?;
        let secs = |delta: i64| crate::identity::iso8601((now_ms / 1000) + delta);
        let issuer = escape(
            provider
                .issuer
                .as_deref()
                .unwrap_or("athena-local-test-idp"),
        );
        let id = format!(
            "_a{}",
            crate::identity::keys::random_id(20).map_err(|e| e.to_string())?
        );
        let response_id = format!(
            "_r{}",
            crate::identity::keys::random_id(20).map_err(|e| e.to_string())?
        );
        let lifetime = req.lifetime_seconds.unwrap_or(300);
        let recipient = escape(req.recipient.as_deref().unwrap_or(AWS_SIGN_IN));
        let audience = escape(req.audience.as_deref().unwrap_or(AWS_SIGN_IN));
        let mut attributes = String::new();
        let values = |v: &[String]| -> String {
            v.iter()
                .map(|v| format!("<saml:AttributeValue>{}</saml:AttributeValue>", escape(v)))
                .collect()
        };
        if !req.roles.is_empty() {
            attributes.push_str(&format!(
                r#"<saml:Attribute Name="{ROLE}">{}</saml:Attribute>"#,
                values(&req.roles)
            ));
        }
        if let Some(name) = &req.session_name {
            attributes.push_str(&format!(
                r#"<saml:Attribute Name="{SESSION_NAME}">{}</saml:Attribute>"#,
                values(std::slice::from_ref(name))
            ));
        }
        if let Some(d) = req.session_duration {
            attributes.push_str(&format!(
                r#"<saml:Attribute Name="{SESSION_DURATION}">{}</saml:Attribute>"#,
                values(&[d.to_string()])
            ));
        }
        let subject = escape(req.session_name.as_deref().unwrap_or("user"));
        let signed_id = if req.sign_response { &response_id } else { &id };
        let signature = signature_template(signed_id);
        let (response_signature, assertion_signature) = if req.sign_response {
            (signature.as_str(), "")
        } else {
            ("", signature.as_str())
        };
        let template = format!(
            r#"<samlp:Response xmlns:samlp="{PROTOCOL_NS}" xmlns:saml="{ASSERTION_NS}" ID="{response_id}" Version="2.0" IssueInstant="{now}" Destination="{recipient}"><saml:Issuer>{issuer}</saml:Issuer>{response_signature}<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion xmlns:saml="{ASSERTION_NS}" ID="{id}" Version="2.0" IssueInstant="{now}"><saml:Issuer>{issuer}</saml:Issuer>{assertion_signature}<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{subject}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{end}" Recipient="{recipient}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{start}" NotOnOrAfter="{end}"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{now}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attributes}</saml:AttributeStatement></saml:Assertion></samlp:Response>"#,
            now = secs(0),
            start = secs(-60.min(lifetime)),
            end = secs(lifetime),
        );
        let mut key =
            loader::load_rsa_private_pem(key_pem.as_bytes()).map_err(|e| e.to_string())?;
        key.x509_chain = loader::load_x509_cert_pem(provider.certificates.as_bytes())
            .map_err(|e| e.to_string())?
            .x509_chain;
        let mut keys = KeysManager::new();
        keys.add_key(key);
        let signed = bergshamra_dsig::sign::sign(&DsigContext::new(keys), &template)
            .map_err(|e| e.to_string())?;
        Ok(STANDARD.encode(signed))
    }
}

impl SamlProviders {
    /// A signed Assertion alone, as Entra ID's token endpoint issues it
    /// (its own namespace declarations, so it verifies wherever it is put).
    pub fn mint_assertion(&self, req: &MintRequest, now_ms: i64) -> Result<String, String> {
        if req.sign_response {
            return Err("an assertion alone cannot be signed through its Response".into());
        }
        let xml = STANDARD
            .decode(self.mint(req, now_ms)?)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or("the minted response is not UTF-8")?;
        let doc = roxmltree::Document::parse(&xml).map_err(|e| e.to_string())?;
        let assertion = doc
            .root_element()
            .children()
            .find(|n| is(*n, ASSERTION_NS, "Assertion"))
            .ok_or("the minted response has no Assertion")?;
        Ok(xml[assertion.range()].to_string())
    }
}

/// What the test identity provider puts in a response (`POST /_athena_local/saml/response`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MintRequest {
    /// The SAML provider whose key signs.
    pub signer: String,
    /// Role attribute values, `role-arn,provider-arn` (either order).
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub session_name: Option<String>,
    #[serde(default)]
    pub session_duration: Option<u64>,
    /// Seconds from now to NotOnOrAfter (300 by default; negative: expired).
    #[serde(default)]
    pub lifetime_seconds: Option<i64>,
    #[serde(default)]
    pub recipient: Option<String>,
    #[serde(default)]
    pub audience: Option<String>,
    /// Sign the Response instead of the Assertion (identity providers do either).
    #[serde(default)]
    pub sign_response: bool,
}

impl MintRequest {
    /// What an emulated identity provider asserts for one of its users.
    pub fn for_user(user: &crate::config::IdpUserConfig) -> MintRequest {
        MintRequest {
            signer: user.provider.clone(),
            roles: user.roles.clone(),
            session_name: Some(
                user.session_name
                    .clone()
                    .unwrap_or_else(|| user.name.clone()),
            ),
            session_duration: None,
            lifetime_seconds: None,
            recipient: None,
            audience: None,
            sign_response: false,
        }
    }
}

/// The ids of the elements a signature under `certificates` covers.
fn signed_ids(xml: &str, certificates: &str) -> Result<Vec<String>, String> {
    let mut trusted = KeysManager::new();
    trusted
        .add_key(loader::load_x509_cert_pem(certificates.as_bytes()).map_err(|e| e.to_string())?);
    let results = bergshamra_dsig::verify::verify_all(&DsigContext::new(trusted), xml)
        .map_err(|e| e.to_string())?;
    let mut ids = Vec::new();
    for result in results {
        match result {
            VerifyResult::Valid { references, .. } => ids.extend(
                references
                    .iter()
                    .map(|r| r.uri.trim_start_matches('#').to_string()),
            ),
            VerifyResult::Invalid { reason } => return Err(reason),
        }
    }
    if ids.is_empty() {
        return Err("the response carries no signature".into());
    }
    Ok(ids)
}

fn signature_template(id: &str) -> String {
    format!(
        r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#{id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>"##
    )
}

fn is_aws_recipient(url: &str) -> bool {
    url == AWS_SIGN_IN
        || url
            .strip_prefix("https://")
            .and_then(|rest| rest.strip_suffix(".signin.aws.amazon.com/saml"))
            .is_some_and(|region| !region.is_empty() && !region.contains('/'))
}

/// The loopback listener of a desktop driver's browser sign-in (Athena's
/// BrowserSaml, `http://localhost:7890/athena`): STS takes the assertions
/// identity providers post there, as AWS documents for those plugins.
fn is_loopback_recipient(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

fn is(node: roxmltree::Node, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == Some(ns)
}

fn child_text(node: roxmltree::Node, name: &str) -> Option<String> {
    node.children()
        .find(|n| is(*n, ASSERTION_NS, name))
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
}

fn epoch_ms(value: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(value.trim())
        .ok()
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORP: &str = "arn:aws:iam::111122223333:saml-provider/Corp";
    const PARTNER: &str = "arn:aws:iam::111122223333:saml-provider/Partner";
    const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/samlRole";

    fn providers() -> SamlProviders {
        let data = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/data/saml"
        ));
        SamlProviders::load(&[
            SamlProviderConfig {
                arn: CORP.into(),
                certificate: data.join("corp.crt"),
                issuer: None,
                signing_key: Some(data.join("corp.key")),
            },
            SamlProviderConfig {
                arn: PARTNER.into(),
                certificate: data.join("partner.crt"),
                issuer: None,
                signing_key: Some(data.join("partner.key")),
            },
        ])
        .unwrap()
    }

    fn request(signer: &str) -> MintRequest {
        MintRequest {
            signer: signer.into(),
            roles: vec![format!("{CORP},{ROLE_ARN}")],
            session_name: Some("alice@example.com".into()),
            session_duration: Some(1800),
            lifetime_seconds: None,
            recipient: None,
            audience: None,
            sign_response: false,
        }
    }

    const NOW: i64 = 1_900_000_000_000;

    #[test]
    fn a_signed_response_is_accepted_once() {
        let p = providers();
        for sign_response in [false, true] {
            let r = MintRequest {
                sign_response,
                ..request(CORP)
            };
            let encoded = p.mint(&r, NOW).unwrap();
            let v = p.verify(&encoded, ROLE_ARN, CORP, NOW).unwrap();
            assert_eq!(v.session_name, "alice@example.com");
            assert_eq!(v.session_duration, Some(1800));
            assert_eq!(v.subject_type, "persistent");
            let again = p.verify(&encoded, ROLE_ARN, CORP, NOW).unwrap_err();
            assert!(
                matches!(&again, SamlError::Invalid(m) if m.contains("redeemed before")),
                "{again:?}"
            );
        }
    }

    #[test]
    fn an_assertion_alone_verifies_inside_another_response() {
        let p = providers();
        let assertion = p.mint_assertion(&request(CORP), NOW).unwrap();
        assert!(assertion.starts_with("<saml:Assertion"), "{assertion}");
        // As the AzureAD flow wraps Entra ID's token.
        let wrapped = format!(
            r#"<samlp:Response xmlns:samlp="{PROTOCOL_NS}"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{assertion}</samlp:Response>"#
        );
        let v = p
            .verify(&STANDARD.encode(wrapped), ROLE_ARN, CORP, NOW)
            .unwrap();
        assert_eq!(v.session_name, "alice@example.com");
    }

    #[test]
    fn wrong_key_tampering_expiry_and_roles_are_refused() {
        let p = providers();
        // Signed by Partner's key but presented as Corp's.
        let partner = p.mint(&request(PARTNER), NOW).unwrap();
        let err = p.verify(&partner, ROLE_ARN, CORP, NOW).unwrap_err();
        assert!(
            matches!(&err, SamlError::Invalid(m) if m.contains("signature invalid")),
            "{err:?}"
        );
        let good = p.mint(&request(CORP), NOW).unwrap();
        let xml = String::from_utf8(STANDARD.decode(&good).unwrap()).unwrap();
        let tampered = STANDARD.encode(xml.replace("alice@example.com", "mallory@example.com"));
        assert!(matches!(
            p.verify(&tampered, ROLE_ARN, CORP, NOW),
            Err(SamlError::Invalid(_))
        ));
        let expired = p
            .mint(
                &MintRequest {
                    lifetime_seconds: Some(-10),
                    ..request(CORP)
                },
                NOW,
            )
            .unwrap();
        assert!(matches!(
            p.verify(&expired, ROLE_ARN, CORP, NOW),
            Err(SamlError::Expired(_))
        ));
        let other_role = p.mint(&request(CORP), NOW).unwrap();
        let err = p
            .verify(
                &other_role,
                "arn:aws:iam::111122223333:role/other",
                CORP,
                NOW,
            )
            .unwrap_err();
        assert!(matches!(err, SamlError::Denied(_)), "{err:?}");
        let no_name = p
            .mint(
                &MintRequest {
                    session_name: None,
                    ..request(CORP)
                },
                NOW,
            )
            .unwrap();
        let err = p.verify(&no_name, ROLE_ARN, CORP, NOW).unwrap_err();
        assert!(
            matches!(&err, SamlError::Invalid(m) if m.contains("RoleSessionName")),
            "{err:?}"
        );
        let elsewhere = p
            .mint(
                &MintRequest {
                    recipient: Some("https://evil.example.com/saml".into()),
                    ..request(CORP)
                },
                NOW,
            )
            .unwrap();
        assert!(matches!(
            p.verify(&elsewhere, ROLE_ARN, CORP, NOW),
            Err(SamlError::Invalid(_))
        ));
        assert!(is_aws_recipient(
            "https://us-east-1.signin.aws.amazon.com/saml"
        ));
        assert!(!is_aws_recipient(
            "https://x.signin.aws.amazon.com.evil/saml"
        ));
        let loopback = p
            .mint(
                &MintRequest {
                    recipient: Some("http://localhost:7890/athena".into()),
                    audience: Some("urn:amazon:webservices".into()),
                    ..request(CORP)
                },
                NOW,
            )
            .unwrap();
        p.verify(&loopback, ROLE_ARN, CORP, NOW).unwrap();
        assert!(is_loopback_recipient("http://127.0.0.1:7890/athena/"));
        assert!(is_loopback_recipient("http://[::1]:7890/athena"));
        for foreign in [
            "https://localhost:7890/athena",
            "http://localhost.evil.example:7890/athena",
            "http://evil.example/localhost:7890",
        ] {
            assert!(!is_loopback_recipient(foreign), "{foreign}");
        }
    }
}
