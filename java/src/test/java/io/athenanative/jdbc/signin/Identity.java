package io.athenanative.jdbc.signin;

import io.athenanative.jdbc.LocalAthena;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** athena-local's identity side, as the sign-in tests use it: tokens, roles, the call record. */
final class Identity {
    static final String ACCOUNT = "111122223333";
    static final String REGION = "us-east-1";
    static final String JWT_ROLE = "arn:aws:iam::" + ACCOUNT + ":role/jwtRole";
    static final String APPLICATION_ROLE = "arn:aws:iam::" + ACCOUNT + ":role/applicationRole";
    static final String ACCESS_ROLE = "arn:aws:iam::" + ACCOUNT + ":role/accessRole";
    static final String UNTRUSTING_ROLE = "arn:aws:iam::" + ACCOUNT + ":role/untrustingRole";
    static final String APPLICATION =
            "arn:aws:sso::" + ACCOUNT + ":application/ssoins-1111222233334444/apl-5555666677778888";
    static final String TIP_WORKGROUP = "arn:aws:athena:" + REGION + ":" + ACCOUNT + ":workgroup/tip";
    static final String UNTAGGED_WORKGROUP = "arn:aws:athena:" + REGION + ":" + ACCOUNT + ":workgroup/untagged";

    static final String CORP = "arn:aws:iam::" + ACCOUNT + ":saml-provider/Corp";
    static final String PARTNER = "arn:aws:iam::" + ACCOUNT + ":saml-provider/Partner";
    static final String SAML_ROLE = "arn:aws:iam::" + ACCOUNT + ":role/samlRole";
    static final String ANALYST_ROLE = "arn:aws:iam::" + ACCOUNT + ":role/samlAnalystRole";

    private Identity() {}

    /**
     * A signed SAMLResponse (base64) from athena-local's test identity provider, for
     * {@code ana@corp.example}; {@code extra} adds fields to the request (",\"lifetime_seconds\":-600").
     */
    static String samlResponse(LocalAthena athena, String signer, String rolesJson, String extra) throws IOException {
        String body = "{\"signer\":\"" + signer + "\",\"roles\":" + rolesJson
                + ",\"session_name\":\"ana@corp.example\"" + extra + "}";
        String answer = athena.admin("POST", "/_athena_local/saml/response", body);
        String response = jsonString(answer, "SAMLResponse");
        if (response == null) {
            throw new IOException("no SAMLResponse in " + answer);
        }
        return response;
    }

    /**
     * A URL with athena-local's endpoints and {@code settings}, where {@code extra} (";Key=Value" pairs)
     * replaces or adds settings: a URL may not name a key twice.
     */
    static String url(LocalAthena athena, java.util.Map<String, String> settings, String extra) {
        for (String pair : extra.split(";")) {
            if (!pair.isEmpty()) {
                settings.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
            }
        }
        StringBuilder url = new StringBuilder("jdbc:athena://" + endpoints(athena));
        for (java.util.Map.Entry<String, String> e : settings.entrySet()) {
            url.append(';').append(e.getKey()).append('=').append(e.getValue());
        }
        return url.toString();
    }

    /** A JSON array of Role attribute values ("role-arn,provider-arn"). */
    static String samlRoles(String... pairs) {
        StringBuilder json = new StringBuilder("[");
        for (String pair : pairs) {
            json.append(json.length() > 1 ? "," : "").append('"').append(pair).append('"');
        }
        return json.append(']').toString();
    }

    /** A token from athena-local's test issuer; {@code claims} is a JSON object body, or null. */
    static String mint(LocalAthena athena, String claims, String signing) throws IOException {
        return athena.mintToken(claims, signing);
    }

    static String mint(LocalAthena athena) throws IOException {
        return mint(athena, null, "valid");
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    static String endpoints(LocalAthena athena) {
        String e = athena.endpoint();
        return "Region=" + REGION + ";AthenaEndpoint=" + e + ";StsEndpoint=" + e;
    }

    static String jwtUrl(LocalAthena athena, String token, String extra) {
        return "jdbc:athena://" + endpoints(athena) + ";CredentialsProvider=JWT;JwtWebIdentityToken=" + token
                + ";JwtRoleArn=" + JWT_ROLE + ";JwtRoleSessionName=jwt-test" + suffix(extra);
    }

    static String tipEndpoints(LocalAthena athena) {
        String e = athena.endpoint();
        return endpoints(athena) + ";SsoOidcEndpoint=" + e + ";SsoAdminEndpoint=" + e;
    }

    /** JWT_TIP with the JDBC names and no optional ARNs, so the tags are looked up. */
    static String tipUrl(LocalAthena athena, String token, String extra) {
        return "jdbc:athena://" + tipEndpoints(athena) + ";CredentialsProvider=JWT_TIP;JwtWebIdentityToken=" + token
                + ";WorkGroupArn=" + TIP_WORKGROUP + ";ApplicationRoleArn=" + APPLICATION_ROLE
                + ";JwtRoleSessionName=tip-test" + suffix(extra);
    }

    private static String suffix(String extra) {
        return extra == null || extra.isEmpty() ? "" : ";" + extra;
    }

    static void clearCalls(LocalAthena athena) throws IOException {
        athena.clearCalls();
    }

    static List<String> calls(LocalAthena athena) throws IOException {
        return athena.calls();
    }

    static int count(LocalAthena athena, String operation) throws IOException {
        return athena.callCount(operation);
    }

    /** The service of each recorded call of {@code operation}, in order. */
    static List<String> servicesCalledFor(LocalAthena athena, String operation) throws IOException {
        List<String> services = new ArrayList<String>();
        for (String call : calls(athena)) {
            if (operation.equals(jsonString(call, "operation"))) {
                services.add(jsonString(call, "service"));
            }
        }
        return services;
    }

    /** How many recorded calls went to {@code service} (athena, sts, sso-oidc, sso-admin). */
    static int callsTo(LocalAthena athena, String service) throws IOException {
        int n = 0;
        for (String call : calls(athena)) {
            if (service.equals(jsonString(call, "service"))) {
                n++;
            }
        }
        return n;
    }

    /** Every secret athena-local issued: keys, session tokens, id tokens, context assertions. */
    static List<String> issuedSecrets(LocalAthena athena) throws IOException {
        String json = athena.admin("GET", "/_athena_local/identity/issued", null);
        List<String> secrets = new ArrayList<String>();
        Matcher m = Pattern.compile("\"(secret_access_key|session_token|id_token|context_assertion|secretAccessKey|sessionToken|idToken|contextAssertion)\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
        while (m.find()) {
            secrets.add(m.group(2));
        }
        return secrets;
    }

    static String jsonString(String json, String key) {
        return LocalAthena.jsonString(json, key);
    }
}
