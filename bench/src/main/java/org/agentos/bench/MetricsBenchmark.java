package org.agentos.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.telemetry.SystemMetrics;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.agentos.telemetry.metrics.MetricsServlet;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
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
 * A Prometheus scrape of {@code /metrics} with {@value #PROCESSES} processes of 100 owners
 * (target: at most 50 ms), over HTTP on Jetty 9.4 as Pax Web serves it in Karaf; beside it
 * {@code systemOnly}, the kernel's own part of it (one pass over the process table).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
@State(Scope.Benchmark)
public class MetricsBenchmark {
    static final int PROCESSES = 100_000;

    Kernel kernel;
    Server jetty;
    HttpClient http;
    HttpRequest scrape;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        kernel = Bench.kernel(2, "memory");
        kernel.setScheduler(new RoundRobinScheduler(), "bench");
        for (int i = 0; i < PROCESSES; i++) {
            long pid = kernel.spawn(new SpawnSpec("principal", null, "owner" + (i % 100), 0, List.of(), null));
            if (i % 1000 == 0) kernel.gateway("bench").call(pid, "proc.getpid", Args.none()); // counters with values
        }
        jetty = new Server(new InetSocketAddress("127.0.0.1", 0));
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(MetricsServlet.standalone(kernel.telemetry, kernel.ipc())), "/metrics");
        jetty.setHandler(context);
        jetty.start();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ((ServerConnector) jetty.getConnectors()[0]).getLocalPort()
                + "/metrics")).GET().build();
        String body = scrape();
        if (!body.contains("agentos_owner_processes{owner=\"owner99\"} 1000.0")) {
            throw new IllegalStateException("the scrape does not count the processes:\n" + body);
        }
        System.out.println(PROCESSES + " processes; a scrape is " + body.length() + " bytes");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        jetty.stop();
        Bench.stop(kernel);
    }

    @Benchmark
    public String scrape() throws Exception {
        return http.send(scrape, HttpResponse.BodyHandlers.ofString()).body();
    }

    @Benchmark
    public SystemMetrics systemOnly() {
        return kernel.telemetry.system();
    }
}
