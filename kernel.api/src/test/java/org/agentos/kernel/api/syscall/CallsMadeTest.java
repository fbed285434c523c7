package org.agentos.kernel.api.syscall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class CallsMadeTest {
    @Test
    void aCallIsAnsweredWithWhatItMadeAndOnlyTheNewestAreKept() {
        CallsMade<String> made = new CallsMade<>(2);
        made.put("7:1", "v1");
        made.put("7:2", "v2");
        made.put(null, "console"); // the console's calls have no id: nothing to answer
        assertEquals("v1", made.get("7:1"));
        made.put("7:3", "v3");
        assertNull(made.get("7:1"), "the oldest went");
        assertEquals("v3", made.get("7:3"));
        assertNull(made.get(null));
        assertEquals(2, made.size());
    }
}
