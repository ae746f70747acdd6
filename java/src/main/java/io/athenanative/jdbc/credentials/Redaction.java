package io.athenanative.jdbc.credentials;

import java.util.List;

/** Keeps the constructor's arguments (which may hold a password) out of the messages the driver passes on. */
final class Redaction {
    /** Shorter arguments are left alone: hiding "1" or "us" would garble a message and protect nothing. */
    private static final int SHORTEST_HIDDEN = 4;

    private Redaction() {
    }

    /** {@code text} with each argument replaced by ****; null stays null. */
    static String scrub(String text, List<String> secrets) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : secrets) {
            if (secret != null && secret.length() >= SHORTEST_HIDDEN) {
                out = out.replace(secret, "****");
            }
        }
        return out;
    }

    /** An exception as the user sees it: its class and (scrubbed) message. */
    static String describe(Throwable t, List<String> secrets) {
        String message = scrub(t.getMessage(), secrets);
        return t.getClass().getName() + (message == null ? "" : ": " + message);
    }
}
