//! The ARN shapes the trusted identity propagation flow takes apart.

/// `arn:PARTITION:athena:REGION:ACCOUNT:workgroup/NAME`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkGroupArn {
    pub region: String,
    pub name: String,
}

impl WorkGroupArn {
    pub fn parse(arn: &str) -> Option<WorkGroupArn> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [prefix, _partition, service, region, account, resource] = parts.as_slice() else {
            return None;
        };
        let name = resource.strip_prefix("workgroup/")?;
        let valid = *prefix == "arn"
            && *service == "athena"
            && !region.is_empty()
            && !account.is_empty()
            && !name.is_empty()
            && !name.contains('/');
        valid.then(|| WorkGroupArn {
            region: region.to_string(),
            name: name.to_string(),
        })
    }
}

/// The Identity Center instance that owns an application:
/// `arn:P:sso::ACCOUNT:application/ssoins-X/apl-Y` → `arn:P:sso:::instance/ssoins-X`.
pub fn sso_instance_arn(application_arn: &str) -> Option<String> {
    let parts: Vec<&str> = application_arn.splitn(6, ':').collect();
    let [prefix, partition, service, _region, _account, resource] = parts.as_slice() else {
        return None;
    };
    let mut path = resource.strip_prefix("application/")?.split('/');
    let instance = path.next().filter(|i| i.starts_with("ssoins-"))?;
    let application = path.next().filter(|a| a.starts_with("apl-"))?;
    let valid =
        *prefix == "arn" && *service == "sso" && path.next().is_none() && application.len() > 4;
    valid.then(|| format!("arn:{partition}:sso:::instance/{instance}"))
}

/// `arn:P:iam::ACCOUNT:role/PATH/NAME`
pub fn is_role_arn(value: &str) -> bool {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", _, "iam", "", account, resource]
        if !account.is_empty() && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workgroup_arn_names_region_and_workgroup() {
        let arn = WorkGroupArn::parse("arn:aws:athena:us-west-2:111122223333:workgroup/primary");
        assert_eq!(
            arn,
            Some(WorkGroupArn {
                region: "us-west-2".into(),
                name: "primary".into()
            })
        );
        assert_eq!(
            WorkGroupArn::parse("arn:aws:athena:us-west-2:1:datacatalog/x"),
            None
        );
        assert_eq!(WorkGroupArn::parse("arn:aws:s3:::bucket"), None);
    }

    #[test]
    fn instance_arn_comes_from_the_application_arn() {
        assert_eq!(
            sso_instance_arn("arn:aws:sso::111122223333:application/ssoins-1111222233334444/apl-5555666677778888")
                .as_deref(),
            Some("arn:aws:sso:::instance/ssoins-1111222233334444")
        );
        assert_eq!(sso_instance_arn("arn:aws:sso::1:application/apl-1"), None);
    }

    #[test]
    fn role_arns_are_recognised() {
        assert!(is_role_arn("arn:aws:iam::111122223333:role/accessRole"));
        assert!(!is_role_arn(
            "arn:aws:sso::111122223333:application/ssoins-1/apl-1"
        ));
        assert!(!is_role_arn("arn:aws:iam::111122223333:user/bob"));
    }
}
