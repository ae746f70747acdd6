package io.athenanative.jdbc.credentials;

/** Looks up interfaces and classes by name, as the driver cannot name the SDKs' types. */
final class Reflection {
    private Reflection() {
    }

    /** The class or interface called {@code name} among {@code type}'s supertypes (itself included), or null. */
    static Class<?> find(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (c.getName().equals(name)) {
                return c;
            }
            Class<?> found = findInterface(c.getInterfaces(), name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static Class<?> findInterface(Class<?>[] interfaces, String name) {
        for (Class<?> i : interfaces) {
            if (i.getName().equals(name)) {
                return i;
            }
            Class<?> found = findInterface(i.getInterfaces(), name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
