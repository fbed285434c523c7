package org.agentos.mcp.bridge.client;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.apache.karaf.config.core.ConfigRepository;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The MCP servers added here ({@code mcp:add}, {@code mcp:list}, {@code mcp:remove}): each is a
 * factory configuration of {@link RemoteServer#FACTORY_PID}, kept by Karaf's ConfigRepository as
 * {@code etc/org.agentos.mcp.server-<name>.cfg}, and the {@link RemoteServer} it makes.
 */
@Component(service = RemoteServers.class)
public class RemoteServers {
    @Reference
    ConfigurationAdmin config;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile ConfigRepository repository;

    private final List<RemoteServer> running = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    synchronized void addServer(RemoteServer s) {
        running.add(s);
        notifyAll(); // for awaitFirstAttempt
    }

    void removeServer(RemoteServer s) {
        running.remove(s);
    }

    /**
     * Waits at most {@code millis} for server {@code name} (just added: ConfigAdmin and SCR make it
     * in the background) to appear and end its first attempt to connect. Empty when it has not.
     */
    public Optional<RemoteServer> awaitFirstAttempt(String name, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(millis);
        RemoteServer s;
        synchronized (this) {
            while ((s = get(name).orElse(null)) == null) {
                long left = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) return Optional.empty();
                wait(left);
            }
        }
        long left = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        return left > 0 && s.awaitFirstAttempt(left) ? Optional.of(s) : Optional.empty();
    }

    /** The servers, by name. */
    public List<RemoteServer> list() {
        List<RemoteServer> out = new ArrayList<>(running);
        out.sort(Comparator.comparing(RemoteServer::name));
        return out;
    }

    public Optional<RemoteServer> get(String name) {
        return running.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /**
     * Adds server {@code name}: {@code target} is its streamable HTTP endpoint, or the command that
     * starts it over stdio in the HAL sandbox. EINVAL for a bad name, URL or command, EEXIST for a
     * name in use.
     */
    public void add(String name, List<String> target, String token, int timeoutSeconds) throws SyscallException {
        if (name == null || !name.matches("[a-z][a-z0-9_]{0,31}")) {
            throw new SyscallException(Errno.EINVAL, "a server's name is a lower-case letter, then up to 31 letters, digits or '_' "
                    + "(its tools become mcp.<name>.<tool>)");
        }
        if (target == null || target.isEmpty()) throw new SyscallException(Errno.EINVAL, "give the server's URL or its command");
        boolean http = target.size() == 1 && target.get(0).matches("(?i)https?://.*");
        if (http) {
            URI u;
            try {
                u = URI.create(target.get(0));
            } catch (IllegalArgumentException e) {
                throw new SyscallException(Errno.EINVAL, "'" + target.get(0) + "' is not a URL");
            }
            if (u.getHost() == null) throw new SyscallException(Errno.EINVAL, "'" + target.get(0) + "' names no host");
        } else {
            for (String arg : target) {
                if (arg.isEmpty() || arg.indexOf('\0') >= 0) throw new SyscallException(Errno.EINVAL, "a command's arguments are not empty and hold no NUL");
            }
        }
        if (timeoutSeconds < 1 || timeoutSeconds > 3600) throw new SyscallException(Errno.EINVAL, "the timeout is 1 to 3600 seconds");
        if (find(name) != null) throw new SyscallException(Errno.EEXIST, "a server named '" + name + "' exists (mcp:remove it first)");
        Map<String, Object> props = new HashMap<>();
        props.put("name", name);
        if (http) props.put("url", target.get(0));
        else props.put("command", target.toArray(String[]::new));
        props.put("token", token == null ? "" : token);
        props.put("timeoutSeconds", timeoutSeconds);
        try {
            ConfigRepository etc = repository;
            if (etc != null) {
                etc.createFactoryConfiguration(RemoteServer.FACTORY_PID, name, props);
            } else {
                Dictionary<String, Object> d = new Hashtable<>(props);
                config.getFactoryConfiguration(RemoteServer.FACTORY_PID, name, "?").update(d);
            }
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot store the server: " + e.getMessage());
        }
    }

    /**
     * Removes server {@code name}: its tools leave the syscall table before this returns (or within
     * 10 s). ENOENT when there is none.
     */
    public void remove(String name) throws SyscallException {
        Configuration c = find(name);
        if (c == null) throw new SyscallException(Errno.ENOENT, "no MCP server named '" + name + "' (mcp:list)");
        RemoteServer running = get(name).orElse(null);
        try {
            ConfigRepository etc = repository;
            if (etc != null) etc.delete(c.getPid());
            else c.delete();
        } catch (Exception e) {
            throw new SyscallException(Errno.EIO, "cannot remove the server: " + e.getMessage());
        }
        try {
            if (running != null && !running.awaitClosed(10_000)) {
                throw new SyscallException(Errno.ETIMEDOUT, "server '" + name + "' is removed, but its tools are still leaving the table");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "interrupted while its tools left the table");
        }
    }

    private Configuration find(String name) throws SyscallException {
        try {
            Configuration[] cs = config.listConfigurations("(service.factoryPid=" + RemoteServer.FACTORY_PID + ")");
            if (cs != null) for (Configuration c : cs) if (c.getProperties() != null && name.equals(c.getProperties().get("name"))) return c;
            return null;
        } catch (IOException | InvalidSyntaxException e) {
            throw new SyscallException(Errno.EIO, "cannot read the servers: " + e.getMessage());
        }
    }
}
