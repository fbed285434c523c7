package org.agentos.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.cpu.RoundRobinScheduler;
import org.agentos.mcp.bridge.server.McpServlet;
import org.agentos.mcp.bridge.token.McpTokens;
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
 * The MCP server's cost: {@code mcp} is a pure syscall ({@code proc.getpid}) made over streamable
 * HTTP on localhost (a POST of tools/call, its JSON answer read), {@code gateway} the same syscall
 * of the same principal through the SyscallGateway; the difference is what MCP adds (target: at
 * most 200 µs at the median). The servlet runs on Jetty 9.4, as Pax Web runs it in Karaf, while
 * {@value #SESSIONS} other sessions are held open, each with its event stream (target: 1,000).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx2g"})
@State(Scope.Benchmark)
public class McpBenchmark {
    static final int SESSIONS = 1000;
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNode NO_ARGS = Args.none();

    Kernel kernel;
    SyscallGateway gateway;
    McpServlet servlet;
    Server jetty;
    HttpClient http;
    URI endpoint;
    String token;
    String session;
    long principal;
    byte[] call;
    final List<CompletableFuture<?>> streams = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        kernel = Bench.kernel(2, "memory");
        kernel.setScheduler(new RoundRobinScheduler(), "bench");
        gateway = kernel.gateway("bench");
        McpTokens tokens = McpTokens.inMemory();
        token = tokens.create("bench", "bench", List.of());
        List<String> others = new ArrayList<>(); // a token holds at most 100 sessions (maxSessionsPerToken)
        for (int i = 0; i < SESSIONS / 100; i++) others.add(tokens.create("bench" + i, "bench", List.of()));
        servlet = McpServlet.standalone(gateway, kernel, tokens, "bench");
        jetty = new Server(new InetSocketAddress("127.0.0.1", 0));
        ServletContextHandler context = new ServletContextHandler();
        ServletHolder holder = new ServletHolder(servlet);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/mcp");
        jetty.setHandler(context);
        jetty.start();
        endpoint = URI.create("http://127.0.0.1:" + ((ServerConnector) jetty.getConnectors()[0]).getLocalPort() + "/mcp");
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        session = initialize(token);
        call = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"proc.getpid\"}}".getBytes();
        principal = JSON.readTree(mcp()).path("result").path("structuredContent").path("pid").asLong();
        if (principal <= 0) throw new IllegalStateException("no principal: " + mcp());
        // the other sessions, each holding its event stream open
        List<CompletableFuture<HttpResponse<java.util.stream.Stream<String>>>> opened = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            String t = others.get(i / 100);
            String s = initialize(t);
            var f = http.sendAsync(HttpRequest.newBuilder(endpoint).header("Authorization", "Bearer " + t)
                    .header("Mcp-Session-Id", s).header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofLines());
            opened.add(f);
            streams.add(f);
        }
        for (var f : opened) {
            if (f.get(60, TimeUnit.SECONDS).statusCode() != 200) throw new IllegalStateException("a stream was refused");
        }
        System.out.println(SESSIONS + 1 + " sessions, " + SESSIONS + " event streams open");
    }

    private String initialize(String as) throws Exception {
        HttpResponse<String> r = http.send(post(as, ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"bench\",\"version\":\"1\"}}}").getBytes(), null),
                HttpResponse.BodyHandlers.ofString());
        return r.headers().firstValue("Mcp-Session-Id").orElseThrow(() -> new IllegalStateException("no session: " + r.body()));
    }

    private HttpRequest post(String as, byte[] body, String s) {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint).header("Authorization", "Bearer " + as)
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (s != null) b.header("Mcp-Session-Id", s);
        return b.build();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (var f : streams) f.cancel(true);
        servlet.deactivate();
        jetty.stop();
        Bench.stop(kernel);
    }

    @Benchmark
    public String mcp() throws Exception {
        return http.send(post(token, call, session), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Benchmark
    public SyscallResult gateway() {
        return gateway.call(principal, "proc.getpid", NO_ARGS);
    }
}
