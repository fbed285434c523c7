package org.agentos.tools.example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.junit.jupiter.api.Test;

class TextStatsTest {
    private final TextStats tool = new TextStats();

    private JsonNode stats(String text) {
        return tool.call(Caller.ANY, Args.of("text", text));
    }

    private JsonNode stats(String text, int top) {
        return tool.call(Caller.ANY, Args.of("text", text, "top", top));
    }

    @Test
    void isAPureIdempotentCpuCallThatNeedsNoCapability() {
        ToolDescriptor d = tool.descriptor();
        assertEquals("text.stats", d.name());
        assertEquals(ResourceClass.CPU, d.resourceClass());
        assertEquals(Determinism.PURE, d.determinism());
        assertEquals(true, d.idempotent());
        assertEquals(0, d.capabilities().size());
    }

    @Test
    void countsWordsIgnoringPunctuation() {
        assertEquals(6, stats("Hello, world! It's a fine -- day.").path("words").asInt());
    }

    @Test
    void countsLinesWithoutAnEmptyLastLineAfterTheFinalBreak() {
        assertEquals(3, stats("one\ntwo\r\nthree").path("lines").asInt());
        assertEquals(2, stats("one\ntwo\n").path("lines").asInt());
        assertEquals(0, stats("").path("lines").asInt());
    }

    @Test
    void countsSentencesButNotDecimalPoints() {
        assertEquals(4, stats("It works. Does it? Yes! Pi is 3.14 roughly.").path("sentences").asInt());
    }

    @Test
    void countsParagraphsSeparatedByBlankLines() {
        assertEquals(3, stats("first\nstill first\n\nsecond\n  \n\nthird\n").path("paragraphs").asInt());
    }

    @Test
    void countsUnicodeTextByCodePointsAndUtf8Bytes() {
        JsonNode s = stats("naïve café — 東京");
        assertEquals(3, s.path("words").asInt());
        assertEquals(15, s.path("characters").asInt());
        assertEquals(23, s.path("bytes").asInt());
        assertEquals(1, s.path("lines").asInt());
        assertEquals(3.67, s.path("averageWordLength").asDouble()); // (5 + 4 + 2) / 3
    }

    @Test
    void countsCharactersOutsideTheBasicPlaneOnce() {
        JsonNode s = stats("a😀b");
        assertEquals(3, s.path("characters").asInt());
        assertEquals(6, s.path("bytes").asInt());
    }

    @Test
    void readingTimeIsAt238WordsPerMinuteRoundedUp() {
        assertEquals(60, stats("word ".repeat(238)).path("readingSeconds").asInt());
        assertEquals(1, stats("word").path("readingSeconds").asInt());
        assertEquals(0, stats("").path("readingSeconds").asInt());
    }

    @Test
    void topWordsAreLowerCasedAndOrderedByCountThenWord() {
        JsonNode top = stats("The cat and the dog. THE END; cat? Don't don’t stop.").path("topWords");
        assertEquals("the", top.get(0).path("word").asText());
        assertEquals(3, top.get(0).path("count").asInt());
        assertEquals("cat", top.get(1).path("word").asText());
        assertEquals("don't", top.get(2).path("word").asText());
        assertEquals(2, top.get(2).path("count").asInt());
        // ties by word: and, dog, end, stop
        assertEquals("and", top.get(3).path("word").asText());
        assertEquals("stop", top.get(6).path("word").asText());
        assertEquals(7, top.size());
    }

    @Test
    void topLimitsTheWordListAndDefaultsToTen() {
        String text = "a b c d e f g h i j k l";
        assertEquals(2, stats(text, 2).path("topWords").size());
        assertEquals(0, stats(text, 0).path("topWords").size());
        assertEquals(10, stats(text).path("topWords").size());
    }

    @Test
    void emptyTextHasNothing() {
        JsonNode s = stats("");
        assertEquals(0, s.path("words").asInt());
        assertEquals(0, s.path("sentences").asInt());
        assertEquals(0, s.path("paragraphs").asInt());
        assertEquals(0.0, s.path("averageWordLength").asDouble());
        assertEquals(0, s.path("topWords").size());
    }
}
