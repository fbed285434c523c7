package org.agentos.kernel.impl.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.agentos.kernel.api.audit.AuditRecord;
import org.agentos.kernel.api.syscall.Args;
import org.junit.jupiter.api.Test;

class JsonLinesTest {
    private static String text(JsonLines j) {
        return new String(j.array(), 0, j.length(), StandardCharsets.UTF_8);
    }

    @Test
    void numbersMatchLongToString() {
        long[] values = {0, 7, 10, 99, 100, 101, 12345, -1, -100, 1795587378962L, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long v : values) {
            JsonLines j = new JsonLines();
            j.number(v);
            assertEquals(Long.toString(v), text(j));
            JsonLines r = new JsonLines();
            r.repeatedNumber(v).raw(',').repeatedNumber(v);
            assertEquals(v + "," + v, text(r));
        }
    }

    @Test
    void sequenceNumbersCountInDecimal() {
        JsonLines j = new JsonLines();
        StringBuilder expected = new StringBuilder();
        long[] values = {1, 2, 3, 8, 9, 10, 11, 99, 100, 101, 999, 1000, 5, 6, 123456789, 123456790};
        for (long v : values) {
            j.sequence(v).raw(' ');
            expected.append(v).append(' ');
        }
        for (long v = 1; v <= 1000; v++) {
            j.sequence(v).raw(' ');
            expected.append(v).append(' ');
        }
        assertEquals(expected.toString(), text(j));
    }

    @Test
    void stringsAreEscapedAsJson() throws Exception {
        String tricky = "quote\" back\\slash\nnew\tline \u0001 caf\u00e9 \uD83D\uDE00";
        JsonLines j = new JsonLines();
        j.string(tricky);
        assertEquals(tricky, new ObjectMapper().readValue(text(j), String.class));
    }

    @Test
    void aRepeatedStringIsWrittenTheSameAsAnyOtherEvenWhenTwoShareACacheSlot() throws Exception {
        JsonLines j = new JsonLines();
        // "Aa" and "BB" have the same hashCode: the same slot, told apart by identity
        String[] values = {"proc.yield", "Aa", "BB", "proc.yield", "caf\u00e9 \"x\"", new String("Aa"), "BB", "Aa"};
        StringBuilder expected = new StringBuilder("[");
        j.raw('[');
        for (int i = 0; i < values.length; i++) {
            if (i > 0) j.raw(',');
            j.repeatedString(values[i]);
            expected.append(i > 0 ? "," : "").append(new ObjectMapper().writeValueAsString(values[i]));
        }
        j.raw(']');
        assertEquals(expected.append(']').toString(), text(j));
    }

    @Test
    void anEncodedAuditLineReadsBackAsTheRecord() throws Exception {
        AuditWriter.Entry e = new AuditWriter.Entry(0, 1795587378962L, AuditRecord.SYSCALL, 42, "alice", "proc.sleep", "EINTR",
                1234, "interrupted \"now\"", 0, Args.of("ms", 5), null);
        e.seq = 9;
        JsonLines j = new JsonLines();
        AuditWriter.encode(j, e);
        String line = text(j);
        assertEquals('\n', line.charAt(line.length() - 1));
        AuditRecord r = new ObjectMapper().readValue(line, AuditRecord.class);
        assertEquals(e.toRecord(), r);
    }
}
