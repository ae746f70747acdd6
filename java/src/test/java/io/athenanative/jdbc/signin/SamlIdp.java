package io.athenanative.jdbc.signin;

import io.athenanative.jdbc.ChildProcess;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A real SAML identity provider for the BrowserSaml tests: Debian's SimpleSAMLphp on PHP's built-in server
 * ({@code tests/saml-idp/run.sh}, installed by {@code tests/saml-idp/setup.sh}), issuing as Corp
 * ({@code https://idp.corp.example/saml}) to AWS ({@code urn:amazon:webservices}) with the driver's loopback
 * listener as the ACS URL. Its people are in {@code tests/saml-idp/config/authsources.php}. It stops when its
 * stdin closes.
 */
final class SamlIdp implements AutoCloseable {
    static final String AWS_ENTITY_ID = "urn:amazon:webservices";

    private final Process process;
    private final String baseUrl;
    private final int acsPort;

    private SamlIdp(Process process, String baseUrl, int acsPort) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.acsPort = acsPort;
    }

    /** The provider signing with Corp's key, posting to {@code http://localhost:ACS_PORT/athena}. */
    static SamlIdp start(int acsPort) throws IOException {
        return start(acsPort, null);
    }

    /**
     * As {@link #start(int)}, signing with {@code tests/data/saml/KEYNAME.key} (and its certificate) while
     * still claiming Corp's issuer: an impostor when the key is not Corp's.
     */
    static SamlIdp start(int acsPort, String keyName) throws IOException {
        List<String> command = new ArrayList<String>();
        command.add(new File("tests/saml-idp/run.sh").getAbsolutePath());
        command.add(Integer.toString(OidcProvider.freePort()));
        command.add("http://localhost:" + acsPort + "/athena");
        if (keyName != null) {
            File data = new File("tests/data/saml").getAbsoluteFile();
            command.add(new File(data, keyName + ".key").getPath());
            command.add(new File(data, keyName + ".crt").getPath());
        }
        ChildProcess.Started started = ChildProcess.start(new ProcessBuilder(command), "simplesamlphp listening on ");
        return new SamlIdp(started.process, started.announced, acsPort);
    }

    /** The ACS port registered for AWS: the driver's ListenPort. */
    int acsPort() {
        return acsPort;
    }

    /** The callback the provider posts to. */
    String acsUrl() {
        return "http://localhost:" + acsPort + "/athena";
    }

    /** The IdP-initiated sign-in of the AWS application: the driver's SsoLoginUrl. */
    String loginUrl() {
        return baseUrl + "/saml2/idp/SSOService.php?spentityid=" + AWS_ENTITY_ID;
    }

    @Override
    public void close() {
        ChildProcess.stop(process);
    }
}
