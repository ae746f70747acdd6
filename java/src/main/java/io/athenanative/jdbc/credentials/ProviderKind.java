package io.athenanative.jdbc.credentials;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.Optional;

/**
 * The two AWS SDK for Java interfaces a credentials provider class may implement, called by reflection
 * on the interface (never on the class, which may not be public) so the driver needs neither SDK.
 */
enum ProviderKind {
    /** {@code resolveCredentials()} giving {@code AwsCredentials}; session and expiry where present. */
    SDK_V2("software.amazon.awssdk.auth.credentials.AwsCredentialsProvider") {
        @Override
        Object fetch(Object provider, boolean renewing) throws Exception {
            return call(provider, interfaceName, "resolveCredentials");
        }

        @Override
        String[] read(Object credentials) throws Exception {
            String key = (String) call(credentials, "software.amazon.awssdk.auth.credentials.AwsCredentials", "accessKeyId");
            String secret = (String) call(credentials, "software.amazon.awssdk.auth.credentials.AwsCredentials",
                    "secretAccessKey");
            String token = null;
            if (Reflection.find(credentials.getClass(), "software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity") != null) {
                token = (String) call(credentials, "software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity", "sessionToken");
            } else if (Reflection.find(credentials.getClass(), "software.amazon.awssdk.auth.credentials.AwsSessionCredentials") != null) {
                token = (String) call(credentials, "software.amazon.awssdk.auth.credentials.AwsSessionCredentials", "sessionToken");
            }
            String expiry = null;
            // SDKs from 2.20 on: AwsCredentialsIdentity.expirationTime(); older ones have no expiry.
            if (Reflection.find(credentials.getClass(), "software.amazon.awssdk.identity.spi.AwsCredentialsIdentity") != null) {
                Object time = call(credentials, "software.amazon.awssdk.identity.spi.AwsCredentialsIdentity", "expirationTime");
                if (time instanceof Optional && ((Optional<?>) time).isPresent() && ((Optional<?>) time).get() instanceof Instant) {
                    expiry = Long.toString(((Instant) ((Optional<?>) time).get()).toEpochMilli());
                }
            }
            return new String[] {key, secret, token, expiry};
        }
    },
    /** {@code getCredentials()} giving {@code AWSCredentials}; {@code refresh()} before each renewal. */
    SDK_V1("com.amazonaws.auth.AWSCredentialsProvider") {
        @Override
        Object fetch(Object provider, boolean renewing) throws Exception {
            if (renewing) {
                call(provider, interfaceName, "refresh");
            }
            return call(provider, interfaceName, "getCredentials");
        }

        @Override
        String[] read(Object credentials) throws Exception {
            String key = (String) call(credentials, "com.amazonaws.auth.AWSCredentials", "getAWSAccessKeyId");
            String secret = (String) call(credentials, "com.amazonaws.auth.AWSCredentials", "getAWSSecretKey");
            String token = null;
            if (Reflection.find(credentials.getClass(), "com.amazonaws.auth.AWSSessionCredentials") != null) {
                token = (String) call(credentials, "com.amazonaws.auth.AWSSessionCredentials", "getSessionToken");
            }
            return new String[] {key, secret, token, null};
        }
    };

    final String interfaceName;

    ProviderKind(String interfaceName) {
        this.interfaceName = interfaceName;
    }

    /** The provider's answer (its credentials object, maybe null); {@code renewing} after the first call. */
    abstract Object fetch(Object provider, boolean renewing) throws Exception;

    /** access key id, secret access key, session token or null, expiry in epoch milliseconds or null. */
    abstract String[] read(Object credentials) throws Exception;

    /** The kind {@code type} implements, or null for neither. */
    static ProviderKind of(Class<?> type) {
        for (ProviderKind kind : values()) {
            if (Reflection.find(type, kind.interfaceName) != null) {
                return kind;
            }
        }
        return null;
    }

    /** Calls the no-argument method {@code name} of the interface {@code interfaceName} that {@code target} implements. */
    static Object call(Object target, String interfaceName, String name) throws Exception {
        Class<?> type = Reflection.find(target.getClass(), interfaceName);
        if (type == null) {
            throw new IllegalStateException(target.getClass().getName() + " does not implement " + interfaceName);
        }
        Method method = type.getMethod(name);
        try {
            return method.invoke(target);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception) {
                throw (Exception) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw e;
        }
    }
}
