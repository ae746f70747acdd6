package io.athenanative.jdbc;

import io.athenanative.jdbc.jni.NativeLibrary;

/** Loads the native library from the jar and exits: for tests of what a JVM leaves behind. */
public final class LoadNativeLibrary {
    private LoadNativeLibrary() {
    }

    public static void main(String[] args) throws Exception {
        NativeLibrary.ensureLoaded();
        System.out.println("loaded");
    }
}
