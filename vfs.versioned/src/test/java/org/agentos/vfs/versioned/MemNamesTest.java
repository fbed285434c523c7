package org.agentos.vfs.versioned;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Memory keys as file names: reversible, path-safe, one name per key. */
class MemNamesTest {
    @Test
    void everyKeyRoundTripsThroughAPathSafeName() throws Exception {
        for (String key : List.of("plain", "a/b/c", "100%", "%2F", ".", "..", "...", ".hidden", "back\\slash",
                "tab\there", "caf\u00e9 \u2603", "emoji \ud83d\ude00", "del\u007f", "c1\u0085", "/", "%")) {
            String name = MemNames.encode(key);
            assertEquals(key, MemNames.decode(name), name);
            String path = "/mem/system/" + name;
            assertEquals(path, VfsPaths.normalize(path), "the name is one path segment as it is: " + name);
        }
    }

    @Test
    void plainKeysKeepTheirNames() {
        assertEquals("notes.today-1", MemNames.encode("notes.today-1"));
        assertEquals("notes%2Ftoday", MemNames.encode("notes/today"));
        assertEquals("50%25", MemNames.encode("50%"));
        assertEquals("%2E%2E", MemNames.encode(".."));
    }

    @Test
    void onlyTheEncodersOwnNamesDecode() {
        assertNull(MemNames.decode("%61"), "a is written a, not %61");
        assertNull(MemNames.decode("%2f"), "hex is upper-case");
        assertNull(MemNames.decode("%"));
        assertNull(MemNames.decode("%2"));
        assertNull(MemNames.decode("%ZZ"));
        assertNull(MemNames.decode("%FF"), "not UTF-8");
        assertNull(MemNames.decode("."));
        assertNull(MemNames.decode(".%2E"));
    }
}
