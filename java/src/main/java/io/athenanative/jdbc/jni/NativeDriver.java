package io.athenanative.jdbc.jni;

/** The property registry and URL rules, owned by the Rust core. */
public final class NativeDriver {
    /** Fields per property in {@link #propertyInfo()}: name, default, description, choices, secret. */
    public static final int PROPERTY_FIELDS = 5;

    private NativeDriver() {
    }

    public static native String[] propertyInfo();

    public static native String[] urlPrefixes();
}
