<?php
// The company's people (user:password => attributes), as an administrator
// maps them to AWS: the Role attribute pairs a role with the SAML provider
// (arn:aws:iam::111122223333:saml-provider/Corp in tests/data/athena-local.toml).
$aws = 'https://aws.amazon.com/SAML/Attributes/';
$account = 'arn:aws:iam::111122223333:';
$corp = $account . 'saml-provider/Corp';
$config = [
    'admin' => ['core:AdminPassword'],
    'corp-users' => [
        'exampleauth:UserPass',
        'ana:ana-saml-password-not-for-logs' => [
            'uid' => ['ana'],
            $aws . 'Role' => [$account . 'role/samlRole,' . $corp],
            $aws . 'RoleSessionName' => ['ana@corp.example'],
        ],
        // Offered two roles: PreferredRole chooses.
        'ben:ben-saml-password-not-for-logs' => [
            'uid' => ['ben'],
            $aws . 'Role' => [$account . 'role/samlRole,' . $corp, $corp . ',' . $account . 'role/samlAnalystRole'],
            $aws . 'RoleSessionName' => ['ben@corp.example'],
            $aws . 'SessionDuration' => ['1800'],
        ],
        // Mapped to no AWS role.
        'carl:carl-saml-password-not-for-logs' => [
            'uid' => ['carl'],
            $aws . 'RoleSessionName' => ['carl@corp.example'],
        ],
    ],
];
