package org.agentos.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.agentos.console.web.api.Caller;
import org.agentos.console.web.api.Params;
import org.agentos.console.web.api.ProcessesApi;
import org.agentos.kernel.api.process.ProcessListing;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A page of the web view's process table (50 rows, as JSON) with {@value #PROCESSES} processes of
 * 100 owners (target: at most 100 ms): the first page, one half-way through the table (by its
 * cursor), the busiest by CPU, one owner's; beside it {@code agentPs}, the page {@code agent:ps}
 * lists (the kernel's listing of the lowest 50 pids).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx6g"})
@State(Scope.Benchmark)
public class ProcessPageBenchmark {
    static final int PROCESSES = 1_000_000;
    static final Caller ADMIN = new Caller("karaf", true);

    Kernel kernel;
    ProcessesApi api;
    String middle;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        kernel = Bench.kernel(2, "memory");
        kernel.setScheduler(new RoundRobinScheduler(), "bench");
        kernel.setMaxProcessesPerOwner(0);
        for (int i = 0; i < PROCESSES; i++) kernel.spawn(new SpawnSpec("principal", null, "owner" + (i % 100), 0, List.of(), null));
        api = new ProcessesApi(new ObjectMapper(), kernel, kernel, kernel.ipc(), () -> null, () -> null);
        ObjectNode page = api.list(params("limit", "500"), ADMIN);
        for (int i = 1; i < PROCESSES / 2 / 500; i++) page = api.list(params("limit", "500", "after", page.get("last").asText()), ADMIN);
        middle = page.get("last").asText();
        ObjectNode there = api.list(params("after", middle), ADMIN);
        if (there.get("ahead").asInt() != PROCESSES / 2) throw new IllegalStateException("half-way is row " + there.get("ahead"));
        System.out.println(kernel.count() + " processes");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Bench.stop(kernel);
    }

    static Params params(String... kv) {
        Map<String, String[]> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], new String[] {kv[i + 1]});
        return new Params(m);
    }

    @Benchmark
    public ObjectNode firstPage() throws Exception {
        return api.list(params(), ADMIN);
    }

    @Benchmark
    public ObjectNode halfWay() throws Exception {
        return api.list(params("after", middle), ADMIN);
    }

    @Benchmark
    public ObjectNode busiestByCpu() throws Exception {
        return api.list(params("sort", "cpu", "desc", "true"), ADMIN);
    }

    @Benchmark
    public ObjectNode oneOwner() throws Exception {
        return api.list(params("owner", "owner42"), ADMIN);
    }

    @Benchmark
    public ProcessListing agentPs() {
        return kernel.list(new ProcessQuery(null, null, null, false, 50));
    }
}
