package org.agentos.mcp.bridge.token;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.apache.karaf.config.core.ConfigRepository;

/**
 * The bearer tokens MCP clients log in with, each mapped by an administrator to an owner and
 * capabilities. A token is a ConfigAdmin factory configuration ({@value #FACTORY_PID}, named by
 * the token's name), which Karaf's ConfigRepository keeps as a file in {@code etc/}
 * ({@code org.agentos.mcp.token-<name>.cfg}): its SHA-256, never the token, so a copy of
 * {@code etc/} lets nobody in. The token itself is shown once, when it is made.
 */
@Component(service = {McpTokens.class, ConfigurationListener.class})
public class McpTokens implements ConfigurationListener {
    public static final String FACTORY_PID = "org.agentos.mcp.token";
    /** What a token looks like: a prefix people and secret scanners recognise, then 256 random bits. */
    static final String PREFIX = "agentos_mcp_";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a token grants: who its calls are made as, and with which capabilities. */
    public record Grant(String name, String owner, List<String> capabilities, String created) {}

    @Reference
    ConfigurationAdmin config;

    /** Karaf's, when there: it keeps a configuration as a file in etc/. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile ConfigRepository repository;

    /** Outside OSGi (tests, benchmarks, embedding): no ConfigAdmin, the tokens in memory only. */
    private boolean inMemory;

    public static McpTokens inMemory() {
        McpTokens t = new McpTokens();
        t.inMemory = true;
        return t;
    }

    /** By the token's SHA-256 (hex); replaced whole on every change. */
    private volatile Map<String, Grant> byHash = Map.of();

    @Activate
    void activate() {
        reload();
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (FACTORY_PID.equals(event.getFactoryPid())) reload();
    }

    /** The grant of {@code token}, or empty: unknown, revoked, or not a token. */
    public Optional<Grant> check(String token) {
        if (token == null || !token.startsWith(PREFIX) || token.length() > 200) return Optional.empty();
        return Optional.ofNullable(byHash.get(sha256(token)));
    }

    /**
     * Makes a token named {@code name} for {@code owner} with {@code capabilities}; returns the
     * token (the only time it is seen).
     *
     * @throws SyscallException EINVAL for a bad name, owner or capability, EEXIST for a name in use
     */
    public String create(String name, String owner, List<String> capabilities) throws SyscallException {
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new SyscallException(Errno.EINVAL, "a token's name is 1 to 64 letters, digits, '.', '_' or '-'");
        }
        if (owner == null || !owner.matches("[A-Za-z0-9._@-]{1,64}")) {
            throw new SyscallException(Errno.EINVAL, "an owner is 1 to 64 letters, digits, '.', '_', '@' or '-'");
        }
        CapabilitySet.of(capabilities); // EINVAL naming a malformed pattern
        if (inMemory ? byHash.values().stream().anyMatch(g -> g.name().equals(name)) : find(name) != null) {
            throw new SyscallException(Errno.EEXIST, "a token named '" + name + "' exists (mcp:token revoke it first)");
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        if (inMemory) {
            synchronized (this) {
                Map<String, Grant> next = new HashMap<>(byHash);
                next.put(sha256(token), new Grant(name, owner, List.copyOf(capabilities), Instant.now().toString()));
                byHash = Map.copyOf(next);
            }
            return token;
        }
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("name", name);
        props.put("owner", owner);
        props.put("capabilities", capabilities.toArray(String[]::new));
        props.put("sha256", sha256(token));
        props.put("created", Instant.now().toString());
        try {
            ConfigRepository etc = repository;
            if (etc != null) etc.createFactoryConfiguration(FACTORY_PID, name, toMap(props)); // a file in etc/, as config:edit makes
            else config.getFactoryConfiguration(FACTORY_PID, name, "?").update(props);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot store the token: " + e.getMessage());
        }
        reload();
        return token;
    }

    /** Every token's grant, by name. */
    public List<Grant> list() {
        List<Grant> out = new ArrayList<>(byHash.values());
        out.sort(java.util.Comparator.comparing(Grant::name));
        return out;
    }

    /** Revokes the token named {@code name}: its next request gets 401. ENOENT when there is none. */
    public void revoke(String name) throws SyscallException {
        if (inMemory) {
            synchronized (this) {
                Map<String, Grant> next = new HashMap<>(byHash);
                if (!next.values().removeIf(g -> g.name().equals(name))) throw new SyscallException(Errno.ENOENT, "no token named '" + name + "'");
                byHash = Map.copyOf(next);
            }
            return;
        }
        Configuration c = find(name);
        if (c == null) throw new SyscallException(Errno.ENOENT, "no token named '" + name + "'");
        try {
            ConfigRepository etc = repository;
            if (etc != null) etc.delete(c.getPid()); // and its file
            else c.delete();
        } catch (Exception e) {
            throw new SyscallException(Errno.EIO, "cannot delete the token: " + e.getMessage());
        }
        reload();
    }

    private Configuration find(String name) throws SyscallException {
        for (Configuration c : all()) {
            if (name.equals(c.getProperties().get("name"))) return c;
        }
        return null;
    }

    private List<Configuration> all() throws SyscallException {
        try {
            Configuration[] cs = config.listConfigurations("(service.factoryPid=" + FACTORY_PID + ")");
            List<Configuration> out = new ArrayList<>();
            if (cs != null) for (Configuration c : cs) if (c.getProperties() != null) out.add(c);
            return out;
        } catch (IOException | InvalidSyntaxException e) {
            throw new SyscallException(Errno.EIO, "cannot read the tokens: " + e.getMessage());
        }
    }

    private synchronized void reload() {
        Map<String, Grant> next = new HashMap<>();
        try {
            for (Configuration c : all()) {
                Dictionary<String, Object> p = c.getProperties();
                if (!(p.get("sha256") instanceof String hash) || !(p.get("owner") instanceof String owner)) continue;
                next.put(hash, new Grant(String.valueOf(p.get("name")), owner, strings(p.get("capabilities")),
                        String.valueOf(p.get("created"))));
            }
        } catch (SyscallException e) {
            return; // keep what is known
        }
        byHash = Map.copyOf(next);
    }

    private static Map<String, Object> toMap(Dictionary<String, Object> d) {
        Map<String, Object> m = new HashMap<>();
        for (var keys = d.keys(); keys.hasMoreElements(); ) {
            String k = keys.nextElement();
            m.put(k, d.get(k));
        }
        return m;
    }

    private static List<String> strings(Object o) {
        if (o instanceof String[] a) return List.of(a);
        if (o instanceof java.util.Collection<?> c) return c.stream().map(String::valueOf).toList();
        if (o instanceof String s && !s.isBlank()) return List.of(s.split("\\s*,\\s*"));
        return List.of();
    }

    static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
