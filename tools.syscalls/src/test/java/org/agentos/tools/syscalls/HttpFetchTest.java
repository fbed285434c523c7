package org.agentos.tools.syscalls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** http.fetch through the kernel against a local HTTP server. */
class HttpFetchTest {
    static final String LOCAL = "tool:http.fetch:host=127.0.0.1";
    static final HttpFetch.Settings LOCAL_ALLOWED = new HttpFetch.Settings(1 << 20, 10_000, 60_000, true, "AgentOS/test");

    HttpServer server;
    final java.util.concurrent.atomic.AtomicInteger hits = new java.util.concurrent.atomic.AtomicInteger();
    ExecutorService executor;
    final CountDownLatch release = new CountDownLatch(1);
    String base;
    KernelHarness k;

    @BeforeEach
    void setUp() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        int port = server.getAddress().getPort();
        base = "http://127.0.0.1:" + port;
        server.createContext("/text", ex -> {
            hits.incrementAndGet();
            reply(ex, 200, "text/plain; charset=utf-8", "hello".getBytes(StandardCharsets.UTF_8));
        });
        server.createContext("/bin", ex -> reply(ex, 200, "application/octet-stream", new byte[] {0, 1, 2, (byte) 0xff}));
        server.createContext("/big", ex -> reply(ex, 200, "text/plain", "x".repeat(10_000).getBytes(StandardCharsets.UTF_8)));
        server.createContext("/slow", ex -> {
            try {
                release.await(30, TimeUnit.SECONDS); // until the test ends: the client must give up first
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reply(ex, 200, "text/plain", "late".getBytes(StandardCharsets.UTF_8));
        });
        server.createContext("/redirect-out", redirect("http://localhost:" + port + "/text"));
        server.createContext("/redirect-in", redirect("/text"));
        server.createContext("/loop", redirect("/loop"));
        server.createContext("/redirect-octal", redirect("http://0177.0.0.1:" + port + "/text"));
        server.createContext("/echo", ex -> {
            byte[] in = ex.getRequestBody().readAllBytes();
            String text = ex.getRequestMethod() + " " + new String(in, StandardCharsets.UTF_8) + " "
                    + ex.getRequestHeaders().getFirst("X-Test") + " " + ex.getRequestHeaders().getFirst("User-Agent");
            reply(ex, 201, "application/json", Json.MAPPER.writeValueAsBytes(text));
        });
        server.start();
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        if (k != null) k.close();
        server.stop(0);
        executor.shutdownNow();
    }

    static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().add("X-Multi", "first");
        ex.getResponseHeaders().add("X-Multi", "second");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    static HttpHandler redirect(String location) {
        return ex -> {
            ex.getResponseHeaders().set("Location", location);
            ex.sendResponseHeaders(302, -1);
            ex.close();
        };
    }

    long process(HttpFetch.Settings settings, String... capabilities) throws Exception {
        k = new KernelHarness(new HttpFetch(settings));
        return k.spawn("alice", capabilities);
    }

    SyscallResult fetch(long pid, Object... args) {
        return k.call(pid, "http.fetch", Args.of(args));
    }

    @Test
    void getReturnsStatusHeadersAndTextBody() throws Exception {
        long pid = process(LOCAL_ALLOWED, LOCAL);
        SyscallResult r = fetch(pid, "url", base + "/text#fragment");
        assertTrue(r.isOk(), r.toString());
        JsonNode v = r.value();
        assertEquals(200, v.get("status").asInt());
        assertEquals("hello", v.get("body").asText());
        assertEquals("text", v.get("encoding").asText());
        // the charset token's case is the client's (header values are case-insensitive there, RFC 9110)
        assertEquals("text/plain; charset=utf-8", v.get("headers").get("content-type").asText().toLowerCase(java.util.Locale.ROOT));
        assertEquals("first", v.get("headers").get("x-multi").asText());
        assertFalse(v.get("truncated").asBoolean());
        assertEquals(base + "/text", v.get("url").asText());
        assertEquals(5, v.get("bytes").asInt());
    }

    @Test
    void binaryBodyComesAsBase64() throws Exception {
        long pid = process(LOCAL_ALLOWED, LOCAL);
        JsonNode v = fetch(pid, "url", base + "/bin").value();
        assertEquals("base64", v.get("encoding").asText());
        assertEquals(Base64.getEncoder().encodeToString(new byte[] {0, 1, 2, (byte) 0xff}), v.get("body").asText());
    }

    @Test
    void bodyBeyondMaxBytesIsTruncated() throws Exception {
        long pid = process(LOCAL_ALLOWED, LOCAL);
        JsonNode v = fetch(pid, "url", base + "/big", "maxBytes", 100).value();
        assertTrue(v.get("truncated").asBoolean());
        assertEquals(100, v.get("bytes").asInt());
        assertEquals("x".repeat(100), v.get("body").asText());
    }

    @Test
    void configuredMaxBytesCapsWhatACallMayAskFor() throws Exception {
        long pid = process(new HttpFetch.Settings(50, 10_000, 60_000, true, "AgentOS/test"), LOCAL);
        JsonNode v = fetch(pid, "url", base + "/big", "maxBytes", 5000).value();
        assertTrue(v.get("truncated").asBoolean());
        assertEquals(50, v.get("bytes").asInt());
    }

    @Test
    void slowServerEndsTheCallWithEtimedout() throws Exception {
        long pid = process(LOCAL_ALLOWED, LOCAL);
        SyscallResult r = fetch(pid, "url", base + "/slow", "timeoutMs", 300);
        assertEquals(Errno.ETIMEDOUT, r.errno(), r.toString());
        assertTrue(r.message().contains("300 ms"), r.message());
    }

    @Test
    void redirectWithinAllowedHostsIsFollowed() throws Exception {
        long pid = process(LOCAL_ALLOWED, LOCAL);
        JsonNode v = fetch(pid, "url", base + "/redirect-in").value();
        assertEquals("hello", v.get("body").asText());
        assertEquals(base + "/text", v.get("url").asText());
    }

    @Test
    void redirectToAHostTheCallerMayNotUseIsEperm() throws Exception {
        long pid = process(LOCAL_ALLOWED, LOCAL);
        SyscallResult r = fetch(pid, "url", base + "/redirect-out");
        assertEquals(Errno.EPERM, r.errno(), r.toString());
        assertTrue(r.message().contains("'tool:http.fetch:host=localhost'"), r.message());
    }

    @Test
    void redirectLoopEndsAfterFiveRedirects() throws Exception {
        long pid = process(LOCAL_ALLOWED, LOCAL);
        SyscallResult r = fetch(pid, "url", base + "/loop");
        assertEquals(Errno.EIO, r.errno());
        assertTrue(r.message().startsWith("too many redirects"), r.message());
    }

    @Test
    void missingCapabilityIsEpermNamingIt() throws Exception {
        long pid = process(LOCAL_ALLOWED, "tool:http.fetch:host=example.org");
        SyscallResult r = fetch(pid, "url", base + "/text");
        assertEquals(Errno.EPERM, r.errno());
        assertEquals("http.fetch to host 127.0.0.1 needs capability 'tool:http.fetch:host=127.0.0.1'", r.message());
    }

    @Test
    void hostWildcardCapabilityPermitsAnyHostName() throws Exception {
        long pid = process(LOCAL_ALLOWED, "tool:http.fetch:host=*");
        assertTrue(fetch(pid, "url", base + "/text").isOk());
        long other = k.spawn("bob", "tool:http.fetch:*");
        assertTrue(fetch(other, "url", base + "/text").isOk());
    }

    @Test
    void privateAddressIsRefusedUnlessConfigured() throws Exception {
        long pid = process(HttpFetch.Settings.DEFAULTS, LOCAL);
        SyscallResult r = fetch(pid, "url", base + "/text");
        assertEquals(Errno.EPERM, r.errno());
        assertTrue(r.message().contains("loopback") && r.message().contains("allowPrivateNetworks"), r.message());
    }

    @Test
    void aNumericHostInAnyFormButFourDecimalPartsIsEinvalBeforeAnyConnection() throws Exception {
        long pid = process(HttpFetch.Settings.DEFAULTS, "tool:http.fetch:**");
        int port = server.getAddress().getPort();
        for (String host : new String[] {"0177.0.0.1", "0x7f.0.0.1", "0x7f000001", "2130706433", "127.1", "127.0.1",
                "017700000001", "127.0.0.01", "127.0.0.1.", "256.0.0.1", "1.2.3.4.5", "example.0x10", "example.99"}) {
            SyscallResult r = fetch(pid, "url", "http://" + host + ":" + port + "/text");
            assertEquals(Errno.EINVAL, r.errno(), host + ": " + r);
            assertTrue(r.message().contains("is a number in a form that software reads differently"), r.message());
        }
        assertEquals(0, hits.get(), "nothing reached the server");
        // a canonical address and names whose last label is a name are not numbers
        HttpFetch.refuseAmbiguousNumericHost("93.184.215.14");
        HttpFetch.refuseAmbiguousNumericHost("0x7f.example.org");
        HttpFetch.refuseAmbiguousNumericHost("1e100.net");
    }

    @Test
    void aRedirectToAnAmbiguousNumericHostIsNotFollowed() throws Exception {
        long pid = process(LOCAL_ALLOWED, "tool:http.fetch:**");
        SyscallResult r = fetch(pid, "url", base + "/redirect-octal");
        assertEquals(Errno.EIO, r.errno(), r.toString());
        assertTrue(r.message().contains("0177.0.0.1 is a number in a form"), r.message());
        assertEquals(0, hits.get(), "the redirect was not followed");
    }

    @Test
    void loopbackNamesAndIpv4InsideIpv6AreRefusedWithTheCheckOn() throws Exception {
        long pid = process(HttpFetch.Settings.DEFAULTS, "tool:http.fetch:**");
        SyscallResult r = fetch(pid, "url", "http://localhost:" + server.getAddress().getPort() + "/text");
        assertEquals(Errno.EPERM, r.errno(), "localhost is loopback: " + r);
        assertTrue(r.message().contains("loopback"), r.message());
        r = fetch(pid, "url", "http://[::127.0.0.1]:" + server.getAddress().getPort() + "/text");
        assertEquals(Errno.EPERM, r.errno(), r.toString());
        assertTrue(r.message().contains("IPv4-compatible"), r.message());
        r = fetch(pid, "url", "http://[::ffff:127.0.0.1]:" + server.getAddress().getPort() + "/text");
        assertEquals(Errno.EPERM, r.errno(), r.toString());
        assertEquals(0, hits.get(), "nothing reached the server");
    }

    @Test
    void specialPurposeAddressesAreNotPublic() throws Exception {
        for (String a : new String[] {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                "0.0.0.0", "192.0.0.8", "192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1", "198.19.255.254",
                "240.0.0.1", "255.255.255.255", "224.0.0.1", "192.88.99.1", "::1", "::", "::127.0.0.1", "::10.0.0.1",
                "64:ff9b::7f00:1", "64:ff9b:1::a00:1", "2002:7f00:1::1", "2001:0:4136:e378::1", "2001:db8::1",
                "fc00::1", "fd12:3456::1", "fe80::1", "fec0::1", "ff02::1", "100::1", "3fff::1", "5f00::1"}) {
            assertTrue(HttpFetch.privateKind(InetAddress.getByName(a)) != null, a + " counted as public");
        }
        for (String a : new String[] {"93.184.215.14", "8.8.8.8", "1.1.1.1", "198.20.0.1", "2606:4700:4700::1111",
                "2a00:1450:4001:80b::200e", "2001:4860:4860::8888"}) {
            assertEquals(null, HttpFetch.privateKind(InetAddress.getByName(a)), a + " counted as special");
        }
    }

    @Test
    void nonHttpSchemeIsEinval() throws Exception {
        long pid = process(LOCAL_ALLOWED, "tool:http.fetch:**");
        SyscallResult r = fetch(pid, "url", "file:///etc/passwd");
        assertEquals(Errno.EINVAL, r.errno());
        assertTrue(r.message().contains("not 'file:'"), r.message());
    }

    @Test
    void unknownHostIsEnoent() throws Exception {
        long pid = process(LOCAL_ALLOWED, "tool:http.fetch:host=*");
        SyscallResult r = fetch(pid, "url", "http://no-such-host.invalid/");
        assertEquals(Errno.ENOENT, r.errno(), r.toString());
        assertEquals("cannot resolve host no-such-host.invalid", r.message());
    }

    @Test
    void non2xxStatusIsAResult() throws Exception {
        long pid = process(LOCAL_ALLOWED, LOCAL);
        SyscallResult r = fetch(pid, "url", base + "/no-such-page");
        assertTrue(r.isOk(), r.toString());
        assertEquals(404, r.value().get("status").asInt());
    }

    @Test
    void requestAndResponseBytesAreChargedToTheCaller() throws Exception {
        long pid = process(LOCAL_ALLOWED, LOCAL);
        SyscallResult r = fetch(pid, "url", base + "/echo", "method", "POST", "body", "12345",
                "headers", Args.of("X-Test", "yes"));
        assertTrue(r.isOk(), r.toString());
        assertEquals(201, r.value().get("status").asInt());
        assertEquals("\"POST 12345 yes AgentOS/test\"", r.value().get("body").asText());
        assertEquals(5 + r.value().get("bytes").asLong(), k.info(pid).usage().bytes());
    }

    @Test
    void schemaRefusesUnknownMethods() throws Exception {
        long pid = process(LOCAL_ALLOWED, LOCAL);
        assertEquals(Errno.EINVAL, fetch(pid, "url", base + "/text", "method", "PATCH").errno());
    }

    /**
     * DNS rebinding: a name that answers a public address when it is checked and a private one
     * later. The connection goes to the address that was checked (the client's resolver is the
     * only lookup), so the private server is never reached; and a name only the tool's resolver
     * knows is fetched, which shows that no other lookup takes place.
     */
    @Test
    void theConnectionGoesToTheAddressThatWasChecked() throws Exception {
        int port = server.getAddress().getPort();
        java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
        HttpFetch.Lookup rebinding = host -> {
            if (!host.equals("rebind.test")) throw new java.net.UnknownHostException(host);
            // first a public address (TEST-NET would be refused, so one that is public and closed here), then loopback
            return new InetAddress[] {lookups.getAndIncrement() == 0
                    ? InetAddress.getByAddress(host, new byte[] {(byte) 203, 0, (byte) 114, 1})
                    : InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})};
        };
        k = new KernelHarness(new HttpFetch(HttpFetch.Settings.DEFAULTS, rebinding));
        long pid = k.spawn("alice", "tool:http.fetch:host=*");
        int before = hits.get();
        SyscallResult r = fetch(pid, "url", "http://rebind.test:" + port + "/text", "timeoutMs", 1500);
        assertFalse(r.isOk(), r.toString());
        assertEquals(before, hits.get(), "the loopback server was never reached: " + r);
        assertEquals(1, lookups.get(), "one lookup, the one that was checked");
        SyscallResult second = fetch(pid, "url", "http://rebind.test:" + port + "/text", "timeoutMs", 1500);
        assertEquals(Errno.EPERM, second.errno(), "a later answer is checked before any connection: " + second);
        assertEquals(before, hits.get());

        HttpFetch.Lookup onlyHere = host -> {
            if (!host.equals("service.test")) throw new java.net.UnknownHostException(host);
            return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})};
        };
        k.close();
        k = new KernelHarness(new HttpFetch(LOCAL_ALLOWED, onlyHere));
        long other = k.spawn("alice", "tool:http.fetch:host=*");
        SyscallResult known = fetch(other, "url", "http://service.test:" + port + "/text");
        assertTrue(known.isOk(), known.toString());
        assertEquals("hello", known.value().get("body").asText());
    }
}
