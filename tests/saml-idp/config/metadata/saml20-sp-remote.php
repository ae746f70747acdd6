<?php
// AWS as the service provider, configured as the BrowserSaml driver needs:
// the ACS is the driver's loopback listener (http://localhost:ListenPort/athena,
// HTTP-POST), the audience AWS's, the attributes named by URI, signed, not
// encrypted (the driver reads the Role attribute).
$metadata['urn:amazon:webservices'] = [
    'AssertionConsumerService' => [
        [
            'Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
            'Location' => getenv('SAML_IDP_ACS'),
        ],
    ],
    'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
    'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
    'saml20.sign.assertion' => true,
    'saml20.sign.response' => true,
    'assertion.encryption' => false,
];
