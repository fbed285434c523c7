package org.agentos.tools.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.text.BreakIterator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.security.RequiresPermission;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.osgi.service.component.annotations.Component;

/**
 * An example tool bundle, installed at runtime, that shows third parties how to add system calls:
 * each syscall is one DS component providing the {@link Tool} SPI ({@code text.stats} here,
 * {@code csv.query} in {@link CsvQuery}, the test tool {@code example.wait} in {@link ExampleWait}).
 * The kernel accepts a bundle's tools only once it is granted {@code tool.provide}, requested below.
 *
 * <p>{@code text.stats}: counts in a text. Words are runs of Unicode letters, marks and digits,
 * joined by inner apostrophes ({@code don't}, {@code l'été}); characters are code points.
 */
@RequiresPermission(KernelPermission.TOOL_PROVIDE)
@Component(service = Tool.class)
public class TextStats implements Tool {
    static final int MAX_TEXT = 1 << 20;
    static final int WORDS_PER_MINUTE = 238;

    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{M}\\p{N}]+(?:['\u2019][\\p{L}\\p{M}\\p{N}]+)*");
    private static final Pattern LETTER_OR_DIGIT = Pattern.compile("[\\p{L}\\p{N}]");

    private static final ToolDescriptor DESCRIPTOR = ToolDescriptor.builder("text.stats").version("1.0.0")
            .description("counts characters, bytes, words, lines, sentences and paragraphs of a text; its most "
                    + "frequent words and reading time (" + WORDS_PER_MINUTE + " words/min)")
            .args(Schemas.parse("{\"type\":\"object\",\"properties\":{"
                    + "\"text\":{\"type\":\"string\",\"maxLength\":" + MAX_TEXT + "},"
                    + "\"top\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100,\"default\":10}},"
                    + "\"required\":[\"text\"],\"additionalProperties\":false}"))
            .result(Schemas.parse("{\"type\":\"object\",\"properties\":{"
                    + "\"characters\":{\"type\":\"integer\"},\"bytes\":{\"type\":\"integer\"},"
                    + "\"words\":{\"type\":\"integer\"},\"lines\":{\"type\":\"integer\"},"
                    + "\"sentences\":{\"type\":\"integer\"},\"paragraphs\":{\"type\":\"integer\"},"
                    + "\"averageWordLength\":{\"type\":\"number\"},\"readingSeconds\":{\"type\":\"integer\"},"
                    + "\"topWords\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
                    + "\"word\":{\"type\":\"string\"},\"count\":{\"type\":\"integer\"}}}}}}"))
            .resourceClass(ResourceClass.CPU).determinism(Determinism.PURE).idempotent(true)
            .timeout(Duration.ofSeconds(10)).build();

    @Override
    public ToolDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public JsonNode call(ToolContext ctx, JsonNode args) {
        String text = args.path("text").asText("");
        int top = args.path("top").asInt(10);

        Map<String, Integer> counts = new HashMap<>();
        long words = 0;
        long wordChars = 0;
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            String w = m.group();
            words++;
            wordChars += w.codePointCount(0, w.length());
            // One spelling per word: "Don’t" and "don't" are the same word.
            counts.merge(w.toLowerCase(Locale.ROOT).replace('\u2019', '\''), 1, Integer::sum);
        }

        ObjectNode out = Schemas.JSON.createObjectNode();
        out.put("characters", text.codePointCount(0, text.length()));
        out.put("bytes", text.getBytes(StandardCharsets.UTF_8).length);
        out.put("words", words);
        out.put("lines", lines(text));
        out.put("sentences", sentences(text));
        out.put("paragraphs", paragraphs(text));
        out.put("averageWordLength", words == 0 ? 0.0 : Math.round(100.0 * wordChars / words) / 100.0);
        out.put("readingSeconds", (long) Math.ceil(words * 60.0 / WORDS_PER_MINUTE));
        ArrayNode topWords = out.putArray("topWords");
        List<Map.Entry<String, Integer>> ranked = new ArrayList<>(counts.entrySet());
        ranked.sort(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()));
        for (Map.Entry<String, Integer> e : ranked.subList(0, Math.min(top, ranked.size()))) {
            topWords.addObject().put("word", e.getKey()).put("count", e.getValue());
        }
        return out;
    }

    /** Lines as an editor shows them: a final line terminator does not start another line. */
    static long lines(String text) {
        if (text.isEmpty()) return 0;
        long terminators = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || (c == '\r' && (i + 1 == text.length() || text.charAt(i + 1) != '\n'))) terminators++;
        }
        char last = text.charAt(text.length() - 1);
        return last == '\n' || last == '\r' ? terminators : terminators + 1;
    }

    /** Sentences as the JDK's sentence rules find them, counting only those with a letter or digit. */
    static long sentences(String text) {
        BreakIterator it = BreakIterator.getSentenceInstance(Locale.ROOT);
        it.setText(text);
        long n = 0;
        for (int start = it.first(), end = it.next(); end != BreakIterator.DONE; start = end, end = it.next()) {
            if (LETTER_OR_DIGIT.matcher(text.substring(start, end)).find()) n++;
        }
        return n;
    }

    /** Runs of non-blank lines separated by blank ones. */
    static long paragraphs(String text) {
        long n = 0;
        boolean inParagraph = false;
        for (String line : text.split("\r\n|\r|\n", -1)) {
            boolean blank = line.isBlank();
            if (!blank && !inParagraph) n++;
            inParagraph = !blank;
        }
        return n;
    }
}
