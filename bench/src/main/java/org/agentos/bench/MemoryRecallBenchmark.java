package org.agentos.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.memory.SpaceInfo;
import org.agentos.kernel.api.memory.SpaceKind;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.memory.hierarchical.HierarchicalMemory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Recall latency over a large archive: process 1 wrote 100 000 working entries
 * ({@code {"text": ...}}, 10 to 25 words each from a 5000-word vocabulary, common words more
 * likely: 94 to 328 characters, 202 on average) with a token budget of 50, so that all but the
 * last were paged out to the archive as they were written. One operation is
 * {@link MemoryManager#recall}{@code (caller, query, 10)} with a query of two random vocabulary
 * words (about 2300 entries contain one of them): the Lucene search (BM25, any of the words)
 * restricted to the process's archived entries, paging the 10 best back in, and paging out the
 * previous operation's 10 to keep the budget (already archived: nothing is written to the index
 * in steady state). Memory only, one thread. Baseline in the same run: a linear scan of the same
 * 100 000 texts with {@code String.contains} for each query word, keeping the 10 containing the
 * most of them.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class MemoryRecallBenchmark {
    static final int ENTRIES = 100_000;
    static final String[] VOCABULARY = new String[5000];
    static final String[] TEXTS = new String[ENTRIES];
    static final String[][] QUERIES = new String[1024][];

    static {
        Random r = new Random(42);
        String[] syllables = {"ka", "lo", "mi", "ne", "ra", "tu", "se", "vo", "di", "pa", "qui", "zen", "bor", "ul", "ex", "an"};
        for (int i = 0; i < VOCABULARY.length; i++) {
            StringBuilder w = new StringBuilder();
            for (int s = 0, n = 1 + r.nextInt(3); s < n; s++) w.append(syllables[r.nextInt(syllables.length)]);
            // four digits in the middle: every word distinct, and none inside another (contains is exact)
            VOCABULARY[i] = w.append(String.format("%04d", i)).append(syllables[r.nextInt(syllables.length)]).toString();
        }
        for (int i = 0; i < ENTRIES; i++) {
            StringBuilder t = new StringBuilder();
            for (int k = 0, n = 10 + r.nextInt(16); k < n; k++) {
                if (k > 0) t.append(' ');
                t.append(word(r));
            }
            TEXTS[i] = t.toString();
        }
        for (int q = 0; q < QUERIES.length; q++) QUERIES[q] = new String[] {word(r), word(r)};
    }

    /** A vocabulary word, skewed to the first ones (the square of a uniform draw): some common, most rare. */
    private static String word(Random r) {
        double u = r.nextDouble();
        return VOCABULARY[(int) (u * u * VOCABULARY.length)];
    }

    @State(Scope.Benchmark)
    public static class Archive {
        MemoryManager mem;
        MemCaller caller;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            mem = HierarchicalMemory.standalone(null, 64L << 20, 1L << 30); // the component's default quotas
            mem.processStarted(1, "bench");
            mem.setTokenBudget(1, 50);
            caller = MemCaller.process(1, "bench", c -> false);
            for (int i = 0; i < ENTRIES; i++) {
                MemWrite w = MemWrite.json(JsonNodeFactory.instance.objectNode().put("text", TEXTS[i])).working(0, null);
                mem.put(caller, SpaceKind.userSpace(1), "note/" + i, w).toCompletableFuture().join();
            }
            SpaceInfo info = mem.space(SpaceKind.userSpace(1)).orElseThrow();
            if (info.pagedOut() < ENTRIES - 10) throw new IllegalStateException("not paged out: " + info);
            if (mem.recall(caller, String.join(" ", QUERIES[0]), 10).isEmpty()) throw new IllegalStateException("nothing recalled");
        }
    }

    @Benchmark
    public List<MemEntry> recall(Archive a) throws SyscallException {
        String[] q = QUERIES[ThreadLocalRandom.current().nextInt(QUERIES.length)];
        return a.mem.recall(a.caller, q[0] + " " + q[1], 10);
    }

    @Benchmark
    public List<String> containsScan() {
        String[] q = QUERIES[ThreadLocalRandom.current().nextInt(QUERIES.length)];
        String[] best = new String[10];
        int[] score = new int[10];
        for (String t : TEXTS) {
            int s = 0;
            for (String w : q) if (t.contains(w)) s++;
            if (s == 0 || s <= score[9]) continue;
            int at = 9; // insertion into the top 10, best first; ties keep the earlier text
            while (at > 0 && score[at - 1] < s) {
                score[at] = score[at - 1];
                best[at] = best[at - 1];
                at--;
            }
            score[at] = s;
            best[at] = t;
        }
        List<String> out = new ArrayList<>(10);
        for (int i = 0; i < 10 && best[i] != null; i++) out.add(best[i]);
        return out;
    }
}
