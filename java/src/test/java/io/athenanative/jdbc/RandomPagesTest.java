package io.athenanative.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The random pages rust/core/tests/random_pages.rs encoded in this run (cargo test runs first), decoded
 * by the driver's decoder value for value.
 */
class RandomPagesTest {
    @Test
    void everyRandomPageDecodesToItsText() throws Exception {
        String folder = System.getProperty("athena.random.pages");
        assertNotNull(folder, "the build passes -Dathena.random.pages");
        File dir = new File(folder);
        File[] texts = dir.listFiles((d, name) -> name.endsWith(".txt") && name.startsWith("random_"));
        assertNotNull(texts, folder + " is missing: run `cargo test --release -p athena-core --test random_pages` first");
        assertEquals(200, texts.length, "pages written by the Rust side");
        Arrays.sort(texts);
        String seed = new String(Files.readAllBytes(new File(dir, "seed.txt").toPath()), StandardCharsets.UTF_8);
        long rows = 0;
        for (File text : texts) {
            File page = new File(dir, text.getName().replace(".txt", ".page"));
            rows += PageVectorsTest.checkPage(text.getName() + " (seed " + seed + ")",
                    new String(Files.readAllBytes(text.toPath()), StandardCharsets.UTF_8),
                    Files.readAllBytes(page.toPath()));
        }
        assertTrue(rows > 1000, "the pages held rows: " + rows);
    }
}
