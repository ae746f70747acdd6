package io.athenanative.jdbc.signin;

import com.amazonaws.auth.AWSCredentials;
import com.amazonaws.auth.AWSCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * Credentials provider classes as a user writes them, for {@link CustomProviderTest}. Each takes a tag as its
 * first argument so that every test has sign-ins of its own, and counts its constructions and calls by tag.
 */
public final class TestProviders {
    static final Map<String, AtomicInteger> CONSTRUCTED = new ConcurrentHashMap<String, AtomicInteger>();
    static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<String, AtomicInteger>();

    private TestProviders() {
    }

    static int constructed(String tag) {
        AtomicInteger n = CONSTRUCTED.get(tag);
        return n == null ? 0 : n.get();
    }

    static int calls(String tag) {
        AtomicInteger n = CALLS.get(tag);
        return n == null ? 0 : n.get();
    }

    private static void count(Map<String, AtomicInteger> map, String tag) {
        map.computeIfAbsent(tag, t -> new AtomicInteger()).incrementAndGet();
    }

    /** SDK v2: the keys from its arguments (tag, access key id, secret access key[, session token]). */
    public static final class V2Keys implements AwsCredentialsProvider {
        private final String tag;
        private final String key;
        private final String secret;
        private final String token;

        public V2Keys(String tag, String key, String secret) {
            this(tag, key, secret, null);
        }

        public V2Keys(String tag, String key, String secret, String token) {
            this.tag = tag;
            this.key = key;
            this.secret = secret;
            this.token = token;
            count(CONSTRUCTED, tag);
        }

        @Override
        public AwsCredentials resolveCredentials() {
            count(CALLS, tag);
            return token == null ? AwsBasicCredentials.create(key, secret) : AwsSessionCredentials.create(key, secret, token);
        }
    }

    /** SDK v2 without arguments: athena-local's test keys. */
    public static final class V2Default implements AwsCredentialsProvider {
        public V2Default() {
            count(CONSTRUCTED, "V2Default");
        }

        @Override
        public AwsCredentials resolveCredentials() {
            count(CALLS, "V2Default");
            return AwsBasicCredentials.create("test", "test");
        }
    }

    /** SDK v1: athena-local's test keys; counts refresh() as a call too. */
    public static final class V1Keys implements AWSCredentialsProvider {
        private final String tag;

        public V1Keys(String tag) {
            this.tag = tag;
            count(CONSTRUCTED, tag);
        }

        @Override
        public AWSCredentials getCredentials() {
            count(CALLS, tag);
            return new BasicAWSCredentials("test", "test");
        }

        @Override
        public void refresh() {
            count(CONSTRUCTED, tag + ":refresh");
        }
    }

    /** SDK v2: athena-local's test keys, each answer expiring {@code seconds} after it is given. */
    public static final class V2ShortLived implements AwsCredentialsProvider {
        private final String tag;
        private final long millis;

        public V2ShortLived(String tag, String seconds) {
            this.tag = tag;
            this.millis = (long) (Double.parseDouble(seconds) * 1000);
            count(CONSTRUCTED, tag);
        }

        @Override
        public AwsCredentials resolveCredentials() {
            count(CALLS, tag);
            final Instant expiry = Instant.now().plusMillis(millis);
            return new AwsCredentials() {
                @Override
                public String accessKeyId() {
                    return "test";
                }

                @Override
                public String secretAccessKey() {
                    return "test";
                }

                @Override
                public Optional<Instant> expirationTime() {
                    return Optional.of(expiry);
                }
            };
        }
    }

    /** Fails as a provider whose vault is locked, quoting its own argument (which the driver must hide). */
    public static final class Throwing implements AwsCredentialsProvider {
        private final String password;

        public Throwing(String tag, String password) {
            this.password = password;
        }

        @Override
        public AwsCredentials resolveCredentials() {
            throw new IllegalStateException("the vault is sealed (tried password " + password + ")");
        }
    }

    /** Gives credentials without a secret key. */
    public static final class Empty implements AwsCredentialsProvider {
        public Empty(String tag) {
        }

        @Override
        public AwsCredentials resolveCredentials() {
            return null;
        }
    }

    /** A class, but no credentials provider. */
    public static final class NotAProvider implements Runnable {
        public NotAProvider() {
        }

        @Override
        public void run() {
        }
    }
}
