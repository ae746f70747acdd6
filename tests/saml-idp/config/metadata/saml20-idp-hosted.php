<?php
// The identity provider: Corp's issuer, signing with the key run.sh names
// (Corp's own, or another to play an impostor).
$metadata[getenv('SAML_IDP_ENTITY_ID')] = [
    'host' => '__DEFAULT__',
    'privatekey' => getenv('SAML_IDP_KEY'),
    'certificate' => getenv('SAML_IDP_CERT'),
    'auth' => 'corp-users',
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
];
