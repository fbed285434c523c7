package org.agentos.tools.syscalls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.api.Request;
import org.eclipse.jetty.client.api.Response;
import org.eclipse.jetty.client.util.BytesContentProvider;
import org.eclipse.jetty.client.util.InputStreamResponseListener;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * {@code http.fetch}: one HTTP(S) request with Jetty's HTTP client, bounded in bytes and time. The
 * caller needs {@code tool:http.fetch:host=<host>} for every host the request touches, redirects
 * included (they are followed here, at most {@value #MAX_REDIRECTS}, so that each target is
 * checked). In a capability pattern {@code *} stops at {@code :} and {@code /}:
 * {@code tool:http.fetch:host=*} permits every host name and IPv4 address,
 * {@code tool:http.fetch:host=*.example.org} the subdomains of example.org (not example.org
 * itself), and only {@code tool:http.fetch:**} also permits IPv6 literals ({@code [::1]}).
 *
 * <p>Hosts that resolve to loopback, link-local, private, unspecified or other special-purpose
 * addresses (IANA's registries) are refused unless {@code allowPrivateNetworks} is set; a host
 * written as a number in any form but four decimal parts is refused ({@code EINVAL}), as other
 * software reads those forms differently. The check runs on the addresses the client connects
 * to: the client's resolver ({@link CheckedResolver}) is the only lookup, so a DNS answer that
 * changes after a check (DNS rebinding) cannot move the connection. Each request and each redirect
 * is checked. Non-2xx statuses are results.
 * Marked not idempotent because POST, PUT and DELETE are not; GET and HEAD are safe to repeat.
 */
@Component(service = Tool.class, configurationPid = HttpFetch.PID)
@Designate(ocd = HttpFetch.Config.class)
public class HttpFetch implements Tool {
    static final String PID = "org.agentos.tools.http";
    static final int MAX_REDIRECTS = 5;
    /** The highest maxTimeoutMs a configuration may set; the descriptor's timeout stays above it. */
    static final long TIMEOUT_CEILING_MS = 300_000;
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    // Credentials meant for one host do not follow a redirect to another.
    private static final Set<String> PER_HOST_HEADERS = Set.of("authorization", "cookie", "proxy-authorization");
    /** A number as the URL standard's IPv4 parser reads one: decimal, 0x-hex or 0-octal. */
    private static final Pattern NUMBER = Pattern.compile("(?i)0x[0-9a-f]*|[0-9]+");
    private static final Pattern DECIMAL_OCTET = Pattern.compile("0|[1-9][0-9]{0,2}");

    @ObjectClassDefinition(name = "Agent OS http.fetch", description = "Limits of the http.fetch system call")
    public @interface Config {
        @AttributeDefinition(description = "Most response bytes one call returns (a call may ask for fewer)")
        int maxBytes() default 1048576;

        @AttributeDefinition(description = "Time limit of a call that names none, in milliseconds")
        int defaultTimeoutMs() default 10_000;

        @AttributeDefinition(description = "Highest time limit a call may ask for, in milliseconds (at most 300000)")
        int maxTimeoutMs() default 60_000;

        @AttributeDefinition(description = "Allow requests to loopback, link-local and private addresses")
        boolean allowPrivateNetworks() default false;

        @AttributeDefinition(description = "User-Agent header sent unless the call sets one")
        String userAgent() default "AgentOS/0.2";
    }

    /** The configuration in force. */
    record Settings(int maxBytes, long defaultTimeoutMs, long maxTimeoutMs, boolean allowPrivateNetworks,
                    String userAgent) {
        static final Settings DEFAULTS = new Settings(1 << 20, 10_000, 60_000, false, "AgentOS/0.2");

        Settings {
            if (maxBytes < 0) throw new IllegalArgumentException("maxBytes must be >= 0: " + maxBytes);
            if (defaultTimeoutMs <= 0 || maxTimeoutMs <= 0) throw new IllegalArgumentException("timeouts must be > 0");
            maxTimeoutMs = Math.min(maxTimeoutMs, TIMEOUT_CEILING_MS);
            defaultTimeoutMs = Math.min(defaultTimeoutMs, maxTimeoutMs);
            userAgent = userAgent == null || userAgent.isBlank() ? DEFAULTS.userAgent : userAgent;
        }

        static Settings of(Config c) {
            return new Settings(c.maxBytes(), c.defaultTimeoutMs(), c.maxTimeoutMs(), c.allowPrivateNetworks(),
                    c.userAgent());
        }
    }

    private static final ToolDescriptor DESCRIPTOR = ToolDescriptor.builder("http.fetch").version("1.0.0")
            .description("one HTTP(S) request (redirects followed); needs tool:http.fetch:host=<host> for every host")
            .args(Json.schema("""
                    {"type":"object","properties":{
                      "url":{"type":"string","minLength":1,"maxLength":8192},
                      "method":{"enum":["GET","HEAD","POST","PUT","DELETE"]},
                      "headers":{"type":"object","description":"request headers, name to string value"},
                      "body":{"type":"string","description":"request body, sent as UTF-8"},
                      "maxBytes":{"type":"integer","minimum":0,"description":"response bytes to keep (capped by configuration)"},
                      "timeoutMs":{"type":"integer","minimum":1,"description":"time limit of the whole call (capped by configuration)"}},
                     "required":["url"],"additionalProperties":false}"""))
            .result(Json.schema("""
                    {"type":"object","properties":{
                      "status":{"type":"integer"},
                      "headers":{"type":"object","description":"first value per header, lower-case names"},
                      "body":{"type":"string"},
                      "encoding":{"enum":["text","base64"]},
                      "truncated":{"type":"boolean"},
                      "url":{"type":"string","description":"the URL that answered, after redirects"},
                      "bytes":{"type":"integer","description":"response body bytes returned"}}}"""))
            .resourceClass(ResourceClass.NET).determinism(Determinism.RECORDED).idempotent(false)
            .timeout(Duration.ofMillis(TIMEOUT_CEILING_MS + 10_000)).build();

    private volatile Settings settings;
    private volatile HttpClient client;
    /** Request headers the client sets itself, as java.net.http refused them: a caller may not. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "te", "trailer", "keep-alive", "proxy-connection");

    public HttpFetch() {
        this(Settings.DEFAULTS);
    }

    HttpFetch(Settings settings) {
        this(settings, InetAddress::getAllByName);
    }

    /** With a name lookup of the test's own (the resolver's only source of addresses). */
    HttpFetch(Settings settings, Lookup lookup) {
        this.lookup = lookup;
        apply(settings);
    }

    /** How host names become addresses. */
    @FunctionalInterface
    interface Lookup {
        InetAddress[] all(String host) throws UnknownHostException;
    }

    private final Lookup lookup;

    @Activate
    @Modified
    void configure(Config c) {
        apply(Settings.of(c));
    }

    private synchronized void apply(Settings s) {
        HttpClient next = new HttpClient(new SslContextFactory.Client());
        next.setFollowRedirects(false);
        next.setConnectTimeout(s.maxTimeoutMs());
        next.setUserAgentField(null); // set per request, so that a call can set its own
        next.setSocketAddressResolver(new CheckedResolver(s.allowPrivateNetworks(), lookup));
        QueuedThreadPool threads = new QueuedThreadPool(16, 1);
        threads.setName("http-fetch");
        threads.setDaemon(true);
        next.setExecutor(threads);
        try {
            next.start();
        } catch (Exception e) {
            throw new IllegalStateException("the HTTP client does not start: " + e, e);
        }
        HttpClient old = client;
        client = next;
        settings = s;
        stop(old);
    }

    @Deactivate
    synchronized void deactivate() {
        stop(client);
        client = null;
    }

    private static void stop(HttpClient c) {
        if (c == null) return;
        try {
            c.stop();
        } catch (Exception e) {
            // it was being replaced or the bundle stops: nothing waits for it
        }
    }

    /**
     * The client's only name lookup: every address of the host is checked (unless private
     * networks are allowed) and the connection goes to the addresses that passed, never to a
     * second answer.
     */
    static final class CheckedResolver implements SocketAddressResolver {
        private final boolean allowPrivateNetworks;
        private final Lookup lookup;

        CheckedResolver(boolean allowPrivateNetworks, Lookup lookup) {
            this.allowPrivateNetworks = allowPrivateNetworks;
            this.lookup = lookup;
        }

        @Override
        public void resolve(String host, int port, Promise<List<InetSocketAddress>> promise) {
            InetAddress[] addresses;
            try {
                addresses = lookup.all(host);
            } catch (UnknownHostException e) {
                promise.failed(e);
                return;
            }
            List<InetSocketAddress> out = new java.util.ArrayList<>(addresses.length);
            for (InetAddress a : addresses) {
                String kind = allowPrivateNetworks ? null : privateKind(a);
                if (kind != null) {
                    promise.failed(new Refused("http.fetch to host " + host + " refused: it resolves to " + a.getHostAddress()
                            + ", " + kind + " address (set allowPrivateNetworks=true in " + PID + " to allow private networks)"));
                    return;
                }
                out.add(new InetSocketAddress(a, port));
            }
            promise.succeeded(out);
        }
    }

    /** A host's address that may not be reached. */
    static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    @Override
    public ToolDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
        Settings s = settings;
        HttpClient http = client;
        URI uri = parseUrl(args.get("url").asText());
        String method = args.path("method").asText("GET");
        Map<String, String> headers = headers(args.get("headers"));
        byte[] body = args.hasNonNull("body") ? args.get("body").asText().getBytes(StandardCharsets.UTF_8) : null;
        if (body != null && method.equals("HEAD")) throw new SyscallException(Errno.EINVAL, "a HEAD request has no body");
        long timeoutMs = Math.min(args.hasNonNull("timeoutMs") ? args.get("timeoutMs").asLong() : s.defaultTimeoutMs(),
                s.maxTimeoutMs());
        int limit = args.hasNonNull("maxBytes") ? (int) Math.min(args.get("maxBytes").asLong(), s.maxBytes()) : s.maxBytes();
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        if (http == null) throw new SyscallException(Errno.ENOSYS, "http.fetch is stopping");
        for (String name : headers.keySet()) {
            if (RESTRICTED.contains(name)) throw new SyscallException(Errno.EINVAL, "cannot send this request: restricted header name: \"" + name + "\"");
        }
        for (int hop = 0; ; hop++) {
            permit(ctx, uri);
            Request request = request(http, uri, method, headers, body, deadline, timeoutMs, s);
            if (body != null) ctx.chargeBytes(body.length);
            InputStreamResponseListener listener = new InputStreamResponseListener();
            Response response = send(request, listener, uri, deadline, timeoutMs);
            int status = response.getStatus();
            String location = response.getHeaders().get(HttpHeader.LOCATION);
            if (!REDIRECTS.contains(status) || location == null) {
                return result(response, listener.getInputStream(), uri, method, limit, deadline, timeoutMs, ctx);
            }
            close(listener.getInputStream());
            if (hop == MAX_REDIRECTS) {
                throw new SyscallException(Errno.EIO, "too many redirects: " + args.get("url").asText()
                        + " redirected more than " + MAX_REDIRECTS + " times");
            }
            URI next = redirectTarget(uri, location);
            if (!next.getHost().equalsIgnoreCase(uri.getHost())) headers.keySet().removeIf(PER_HOST_HEADERS::contains);
            // As browsers do: 303, and 301/302 after a POST, continue with a GET without the body.
            if (status == 303 || ((status == 301 || status == 302) && method.equals("POST"))) {
                if (!method.equals("HEAD")) method = "GET";
                body = null;
            }
            uri = next;
        }
    }

    static URI parseUrl(String text) throws SyscallException {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new SyscallException(Errno.EINVAL, "url is not a valid URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new SyscallException(Errno.EINVAL, "http.fetch supports http and https URLs only, not '"
                    + (scheme.isEmpty() ? text : scheme + ":") + "'");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            // java.net.URI gives no host for some numeric forms (0x7f.0.0.1): name the real reason
            String authority = uri.getRawAuthority();
            if (authority != null) {
                String host = authority.substring(authority.lastIndexOf('@') + 1).replaceFirst(":[0-9]*$", "");
                if (!host.isEmpty()) refuseAmbiguousNumericHost(host);
            }
            throw new SyscallException(Errno.EINVAL, "url has no host name: " + text);
        }
        refuseAmbiguousNumericHost(uri.getHost());
        if (uri.getRawUserInfo() != null) {
            throw new SyscallException(Errno.EINVAL, "credentials in the URL are not supported; send an Authorization header");
        }
        if (uri.getRawFragment() != null) {
            // The fragment is the client's business; it is never sent.
            return URI.create(text.substring(0, text.indexOf('#')));
        }
        return uri;
    }

    /**
     * EINVAL for a host that is a number in any form but the canonical dotted quad: browsers and
     * libc read {@code 0177.0.0.1} as octal 127.0.0.1 and {@code 127.1} or {@code 2130706433} as
     * 127.0.0.1, Java as something else or as a name, so the address checked is not the one another
     * reader connects to. As the URL standard does, a host whose last label is a number is an IPv4
     * address; a name's last label never is.
     */
    static void refuseAmbiguousNumericHost(String host) throws SyscallException {
        if (host.startsWith("[")) return; // an IPv6 literal has one reading
        String[] labels = host.split("\\.", -1);
        String last = labels[labels.length - 1].isEmpty() && labels.length > 1 ? labels[labels.length - 2] : labels[labels.length - 1];
        if (!NUMBER.matcher(last).matches()) return;
        boolean canonical = labels.length == 4;
        for (String label : labels) {
            canonical &= DECIMAL_OCTET.matcher(label).matches() && Integer.parseInt(label) <= 255;
        }
        if (!canonical) {
            throw new SyscallException(Errno.EINVAL, "host " + host + " is a number in a form that software reads "
                    + "differently (leading zeros, hex, octal or fewer than four parts): write the address as four "
                    + "decimal numbers, e.g. 93.184.215.14");
        }
    }

    private static URI redirectTarget(URI from, String location) throws SyscallException {
        URI next;
        try {
            next = from.resolve(new URI(location.trim()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new SyscallException(Errno.EIO, from + " redirected to a malformed URL: " + location);
        }
        try {
            return parseUrl(next.toString());
        } catch (SyscallException e) {
            throw new SyscallException(Errno.EIO, from + " redirected to a URL http.fetch cannot follow: " + e.getMessage());
        }
    }

    private static Map<String, String> headers(JsonNode node) throws SyscallException {
        Map<String, String> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) return out;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new SyscallException(Errno.EINVAL, "header '" + e.getKey() + "' must have a string value");
            }
            out.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asText());
        }
        return out;
    }

    /** The caller may use this host (its addresses are checked by the client's resolver, as it connects). */
    private static void permit(ToolContext ctx, URI uri) throws SyscallException {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        String capability = "tool:http.fetch:host=" + host;
        if (!ctx.permits(capability)) {
            throw new SyscallException(Errno.EPERM, "http.fetch to host " + host + " needs capability '" + capability + "'");
        }
    }

    /**
     * What makes an address one http.fetch refuses ("a loopback"), or null for a globally
     * reachable one: IANA's special-purpose address registries (IPv4 and IPv6) are denied as a
     * whole, as are IPv6 forms that carry an IPv4 address inside (IPv4-compatible, NAT64, 6to4,
     * Teredo), whose IPv4 part another network may route to a private host.
     */
    static String privateKind(InetAddress a) {
        if (a.isAnyLocalAddress()) return "an unspecified";
        if (a.isLoopbackAddress()) return "a loopback";
        if (a.isLinkLocalAddress()) return "a link-local";
        if (a.isSiteLocalAddress()) return "a private";
        if (a.isMulticastAddress()) return "a multicast";
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int o0 = b[0] & 0xff, o1 = b[1] & 0xff, o2 = b[2] & 0xff;
            if (o0 == 0) return "an unspecified";
            if (o0 == 100 && (o1 & 0xc0) == 64) return "a shared (carrier-grade NAT)";
            if (o0 == 192 && o1 == 0 && o2 == 0) return "an IETF protocol assignment";
            if ((o0 == 192 && o1 == 0 && o2 == 2) || (o0 == 198 && o1 == 51 && o2 == 100) || (o0 == 203 && o1 == 0 && o2 == 113)) {
                return "a documentation (TEST-NET)";
            }
            if (o0 == 198 && (o1 & 0xfe) == 18) return "a benchmarking";
            if (o0 == 192 && o1 == 88 && o2 == 99) return "a 6to4 relay";
            if ((o0 == 192 && o1 == 31 && o2 == 196) || (o0 == 192 && o1 == 175 && o2 == 48)) return "an AS112";
            if (o0 == 192 && o1 == 52 && o2 == 193) return "an AMT";
            if (o0 >= 240) return "a reserved (240.0.0.0/4 or broadcast)";
            return null;
        }
        int w0 = ((b[0] & 0xff) << 8) | (b[1] & 0xff), w1 = ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        boolean firstTwelveZero = true;
        for (int i = 0; i < 12; i++) firstTwelveZero &= b[i] == 0;
        if (firstTwelveZero) return "an IPv4-compatible (deprecated, ::a.b.c.d)";
        if ((b[0] & 0xfe) == 0xfc) return "a private (unique local)";
        if (w0 == 0x0064 && w1 == 0xff9b) return "a NAT64 (64:ff9b::/32)";
        if (w0 == 0x0100 && w1 == 0 && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] == 0) return "a discard-only";
        if (w0 == 0x2001 && w1 == 0x0db8) return "a documentation";
        if (w0 == 0x2001 && w1 < 0x0200) return "an IETF protocol assignment (Teredo, ...)";
        if (w0 == 0x2002) return "a 6to4";
        if (w0 == 0x3fff && (w1 & 0xf000) == 0) return "a documentation";
        if (w0 == 0x5f00) return "a segment-routing (SRv6)";
        return null;
    }

    private static Request request(HttpClient http, URI uri, String method, Map<String, String> headers, byte[] body,
                                   long deadline, long timeoutMs, Settings s) throws SyscallException {
        long left = Net.millisLeft(deadline);
        if (left <= 0) throw timedOut(uri, timeoutMs);
        try {
            Request r = http.newRequest(uri).method(method).timeout(left, TimeUnit.MILLISECONDS);
            for (Map.Entry<String, String> h : headers.entrySet()) r.header(h.getKey(), h.getValue());
            if (!headers.containsKey("user-agent")) r.header(HttpHeader.USER_AGENT, s.userAgent());
            if (body != null) r.content(new BytesContentProvider(headers.getOrDefault("content-type", "application/octet-stream"), body));
            return r;
        } catch (IllegalArgumentException e) {
            throw new SyscallException(Errno.EINVAL, "cannot send this request: " + e.getMessage());
        }
    }

    /** Sends and waits for the response's head; its body streams from the listener. */
    private static Response send(Request request, InputStreamResponseListener listener, URI uri, long deadline, long timeoutMs)
            throws SyscallException {
        request.send(listener);
        try {
            return listener.get(Math.max(1, Net.millisLeft(deadline)), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            request.abort(e);
            throw timedOut(uri, timeoutMs);
        } catch (InterruptedException e) {
            request.abort(e);
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "http.fetch of " + uri + " was interrupted");
        } catch (ExecutionException e) {
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof Refused r) throw new SyscallException(Errno.EPERM, r.getMessage());
                if (c instanceof UnknownHostException) throw new SyscallException(Errno.ENOENT, "cannot resolve host " + uri.getHost());
                if (c instanceof TimeoutException) throw timedOut(uri, timeoutMs);
            }
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new SyscallException(Errno.EIO, "http.fetch of " + uri + " failed: " + Net.reason(cause));
        }
    }

    private static SyscallException timedOut(URI uri, long timeoutMs) {
        return new SyscallException(Errno.ETIMEDOUT, "http.fetch of " + uri + " did not finish within " + timeoutMs + " ms");
    }

    private static ObjectNode result(Response response, InputStream body, URI uri, String method, int limit,
                                     long deadline, long timeoutMs, ToolContext ctx) throws SyscallException {
        byte[] data;
        boolean truncated;
        try (InputStream in = body; Net.Guard g = Net.closeAt(in, deadline)) {
            data = in.readNBytes(limit);
            truncated = !method.equals("HEAD") && in.read() >= 0;
        } catch (IOException e) {
            if (Net.passed(deadline)) throw timedOut(uri, timeoutMs);
            throw new SyscallException(Errno.EIO, "reading the response of " + uri + " failed: " + Net.reason(e));
        }
        ctx.chargeBytes(data.length);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("status", response.getStatus());
        ObjectNode headers = out.putObject("headers");
        for (HttpField h : response.getHeaders()) {
            String name = h.getName().toLowerCase(Locale.ROOT);
            if (name.startsWith(":") || headers.has(name)) continue;
            headers.put(name, h.getValue() == null ? "" : h.getValue());
        }
        String contentType = response.getHeaders().get(HttpHeader.CONTENT_TYPE);
        String text = text(data, contentType);
        if (text != null) {
            out.put("body", text).put("encoding", "text");
        } else {
            out.put("body", Base64.getEncoder().encodeToString(data)).put("encoding", "base64");
        }
        out.put("truncated", truncated).put("url", uri.toString()).put("bytes", data.length);
        return out;
    }

    /** The body as text when its content type is textual (or absent and it is valid UTF-8), else null. */
    static String text(byte[] data, String contentType) {
        if (contentType == null) {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
            } catch (CharacterCodingException binary) {
                return null;
            }
        }
        String[] parts = contentType.toLowerCase(Locale.ROOT).split(";");
        String mime = parts[0].trim();
        boolean textual = mime.startsWith("text/") || mime.contains("json") || mime.contains("xml")
                || mime.contains("javascript") || mime.equals("application/x-www-form-urlencoded");
        if (!textual) return null;
        Charset charset = StandardCharsets.UTF_8;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.startsWith("charset=")) {
                try {
                    charset = Charset.forName(p.substring(8).replace("\"", "").trim());
                } catch (IllegalArgumentException unknown) {
                    // keep UTF-8: the agent gets readable text with replacement characters at worst
                }
            }
        }
        // A body cut at maxBytes may end inside a character: that one becomes U+FFFD.
        return new String(data, charset);
    }

    private static void close(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // a redirect's body is discarded; failing to close it only costs the connection
        }
    }
}
