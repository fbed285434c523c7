package org.agentos.kernel.impl.shell;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.security.CapabilityCeilings;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Capability ceilings of console users: the most a user without the admin role may give a
 * process it spawns. Karaf's command ACLs decide who may run {@code agent:spawn}; they cannot
 * look inside its {@code -c} options, so this is the kernel's to enforce. Read from ConfigAdmin
 * (PID {@value #PID}, {@code etc/org.agentos.console.cfg}): {@code role.<role>} and
 * {@code user.<name>} entries list capability patterns, {@value #USER} stands for the user's name.
 * A user's ceiling is the union of its roles' entries and its own; with none, it gives nothing.
 */
@Component(service = {RoleCeilings.class, CapabilityCeilings.class}, configurationPid = RoleCeilings.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = RoleCeilings.Config.class)
public class RoleCeilings implements CapabilityCeilings {
    static final String PID = "org.agentos.console";
    static final String USER = "{user}";
    private static final String ROLE_PREFIX = "role.";
    private static final String USER_PREFIX = "user.";

    @ObjectClassDefinition(name = "Agent OS console roles",
            description = "The capabilities a console user without the admin role may give a process it spawns. "
                    + "Further entries role.<role> and user.<name> may be added to etc/org.agentos.console.cfg.")
    public @interface Config {
        @AttributeDefinition(name = "role.manager", description = "Capability patterns users with the manager role "
                + "may give a process; {user} stands for the user's name")
        String[] role_manager() default {"proc:*", "fs:*:/home/{user}/**", "fs:*:/tmp/**", "fs:read:/shared/**",
                "ipc:*:{user}.*", "mem:*:shared/{user}", "mem:share:{user}", "tool:json.query", "tool:text.stats",
                "tool:csv.query", "tool:llm.chat"};
    }

    /** Entries as configured: "role.manager" or "user.alice" -> patterns. */
    private volatile Map<String, List<String>> entries = Map.of();

    @Activate
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        Map<String, List<String>> next = parse(properties);
        // DS hands over only what is configured; Metatype's default applies through the annotation
        next.putIfAbsent(ROLE_PREFIX + "manager", List.of(splitCommas(List.of(config.role_manager()))));
        entries = next;
    }

    static Map<String, List<String>> parse(Map<String, Object> properties) {
        Map<String, List<String>> out = new TreeMap<>();
        for (Map.Entry<String, Object> e : properties.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(ROLE_PREFIX) && !key.startsWith(USER_PREFIX)) continue;
            Object v = e.getValue();
            Collection<?> values = v instanceof String[] a ? List.of(a) : v instanceof Collection<?> c ? c : List.of(String.valueOf(v));
            out.put(key, List.of(splitCommas(values)));
        }
        return out;
    }

    /** A .cfg file gives "a, b" as one string; the web console gives an array. Accept both. */
    private static String[] splitCommas(Collection<?> values) {
        List<String> out = new ArrayList<>();
        for (Object v : values) {
            for (String part : String.valueOf(v).split(",")) {
                if (!part.isBlank()) out.add(part.strip());
            }
        }
        return out.toArray(new String[0]);
    }

    /**
     * Refuses ({@code EPERM}, one line) capabilities beyond {@code user}'s ceiling; administrators
     * have none. {@code EINVAL} for a pattern that is not one.
     */
    void check(ConsoleUser user, List<String> wanted) {
        try {
            check(new ConsoleOperator(user.name(), user.roles()), wanted);
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
    }

    @Override
    public void check(ConsoleOperator operator, Collection<String> wanted) throws SyscallException {
        if (operator.isAdmin()) return;
        Ceiling ceiling = of(new ConsoleUser(operator.name(), operator.roles()));
        Optional<String> beyond = CapabilitySet.of(ceiling.patterns()).firstUncovered(CapabilitySet.of(List.copyOf(wanted)));
        if (beyond.isEmpty()) return;
        throw new SyscallException(Errno.EPERM, ceiling.holder() + (ceiling.patterns().isEmpty() ? " may grant no capability"
                : " may grant at most " + String.join(", ", ceiling.patterns())) + "; '" + beyond.get()
                + "' is beyond that (etc/" + PID + ".cfg)");
    }

    /** Who a ceiling belongs to (for the message) and its patterns, {@value #USER} replaced. */
    record Ceiling(String holder, List<String> patterns) {}

    Ceiling of(ConsoleUser user) {
        Map<String, List<String>> now = entries;
        List<String> patterns = new ArrayList<>();
        List<String> from = new ArrayList<>();
        for (String role : user.roles()) {
            List<String> p = now.get(ROLE_PREFIX + role);
            if (p != null) {
                from.add(role);
                add(patterns, p, user);
            }
        }
        String holder = from.isEmpty() ? "user " + user.name() + " (no role with a ceiling)"
                : (from.size() == 1 ? "role " : "roles ") + String.join(", ", from);
        List<String> own = now.get(USER_PREFIX + user.name());
        if (own != null) {
            add(patterns, own, user);
            holder = from.isEmpty() ? "user " + user.name() : holder + " with user " + user.name();
        }
        return new Ceiling(holder, patterns);
    }

    private static void add(List<String> into, List<String> patterns, ConsoleUser user) {
        boolean safe = user.hasSafeName();
        for (String p : patterns) {
            if (p.contains(USER) && !safe) continue; // a name such as "*" would widen the pattern
            String concrete = p.replace(USER, user.name());
            if (!into.contains(concrete)) into.add(concrete);
        }
    }
}
