package io.athenanative.jdbc.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.text.SimpleDateFormat;
import java.util.Date;
import java.util.TimeZone;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The baseline a driver cannot beat: GetQueryResults pages fetched one after
 * another with SigV4 and thrown away undecoded (only NextToken is looked for).
 */
final class RawPages {
    private final String endpoint;
    private final String host;

    RawPages(String endpoint) {
        this.endpoint = endpoint;
        this.host = endpoint.replaceFirst("^https?://", "");
    }

    /** Reads every page of a finished query; returns the number of pages. */
    int readAll(String queryExecutionId) throws IOException, GeneralSecurityException {
        String token = null;
        int pages = 0;
        do {
            String body = "{\"QueryExecutionId\":\"" + queryExecutionId + "\",\"MaxResults\":1000"
                    + (token == null ? "" : ",\"NextToken\":\"" + token + "\"") + "}";
            byte[] page = post("AmazonAthena.GetQueryResults", body);
            pages++;
            token = nextToken(page);
        } while (token != null);
        return pages;
    }

    /** NextToken sits after the rows, so only the page's tail is searched. */
    static String nextToken(byte[] page) {
        int from = Math.max(0, page.length - 256);
        String tail = new String(page, from, page.length - from, StandardCharsets.UTF_8);
        int at = tail.indexOf("\"NextToken\":\"");
        if (at < 0) {
            return null;
        }
        int start = at + "\"NextToken\":\"".length();
        return tail.substring(start, tail.indexOf('"', start));
    }

    private byte[] post(String target, String body) throws IOException, GeneralSecurityException {
        SimpleDateFormat format = new SimpleDateFormat("yyyyMMdd'T'HHmmss'Z'");
        format.setTimeZone(TimeZone.getTimeZone("UTC"));
        String amzDate = format.format(new Date());
        String date = amzDate.substring(0, 8);
        String payloadHash = hex(MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)));
        String canonical = "POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:" + host + "\nx-amz-date:" + amzDate
                + "\nx-amz-target:" + target + "\n\ncontent-type;host;x-amz-date;x-amz-target\n" + payloadHash;
        String scope = date + "/us-east-1/athena/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + hex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + "test").getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, "us-east-1");
        key = hmac(key, "athena");
        key = hmac(key, "aws4_request");
        String signature = hex(hmac(key, toSign));
        HttpURLConnection c = (HttpURLConnection) new URL(endpoint + "/").openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/x-amz-json-1.1");
        c.setRequestProperty("X-Amz-Date", amzDate);
        c.setRequestProperty("X-Amz-Target", target);
        c.setRequestProperty("Authorization", "AWS4-HMAC-SHA256 Credential=test/" + scope
                + ", SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + signature);
        try (OutputStream out = c.getOutputStream()) {
            out.write(body.getBytes(StandardCharsets.UTF_8));
        }
        if (c.getResponseCode() != 200) {
            throw new IOException("GetQueryResults answered " + c.getResponseCode());
        }
        ByteArrayOutputStream page = new ByteArrayOutputStream(1 << 20);
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = c.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                page.write(buffer, 0, n);
            }
        }
        return page.toByteArray();
    }

    private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            s.append(String.format("%02x", b));
        }
        return s.toString();
    }
}
