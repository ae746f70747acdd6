package io.athenanative.jdbc.clients;

import io.athenanative.jdbc.LocalAthena;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * A test class with an athena-local of its own (the tables a client test creates stay out of the shared
 * server), started before the subclass's own {@code @BeforeAll} and stopped after the class.
 */
abstract class OwnAthena {
    static LocalAthena athena;

    @BeforeAll
    static void startAthena() throws Exception {
        athena = LocalAthena.start();
    }

    @AfterAll
    static void stopAthena() {
        if (athena != null) {
            athena.close();
            athena = null;
        }
    }

    /** The URL without keys, for clients that take the user and password apart (-n/-p, --user/--password). */
    static String urlWithoutKeys() {
        return "jdbc:athena://Region=us-east-1;AthenaEndpoint=" + athena.endpoint();
    }
}
