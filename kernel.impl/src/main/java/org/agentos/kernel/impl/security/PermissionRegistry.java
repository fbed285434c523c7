package org.agentos.kernel.impl.security;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.hooks.service.EventListenerHook;
import org.osgi.framework.hooks.service.FindHook;
import org.osgi.framework.hooks.service.ListenerHook.ListenerInfo;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.resource.Requirement;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/**
 * Permissions between bundles: which kernel permissions each bundle asks for (its
 * {@code Require-Capability} in the {@value KernelPermission#NAMESPACE} namespace) and which an
 * administrator granted (ConfigAdmin PID {@value KernelPermission#GRANTS_PID}, one property per
 * bundle symbolic name or glob). A bundle holds a permission when it asks for it and is granted it.
 *
 * <p>As OSGi service hooks it hides every service carrying {@value KernelPermission#SERVICE_PROPERTY}
 * from bundles that do not hold the permission the property names: they neither find it nor hear
 * of it. The system bundle and the kernel's own bundle always see everything, and a bundle
 * always sees the services it registered itself.
 *
 * <p>The hooks are registered as plain objects, not as this component's DS service: the framework
 * gets every find hook on every service lookup, and getting a DS service takes SCR's lock on its
 * component, which SCR also holds while it delivers a configuration ({@code @Modified}). A lookup
 * made meanwhile (a bundle stopping, Aries JMX answering the service event) waited for SCR's 5 s
 * lock timeout and failed with "Could not obtain lock".
 */
@Component(service = PermissionRegistry.class, immediate = true,
        configurationPid = KernelPermission.GRANTS_PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class PermissionRegistry implements FindHook, EventListenerHook {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PermissionRegistry.class);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(\\.[a-z][a-z0-9]*)+");

    @Reference
    ConfigurationAdmin configAdmin;

    private BundleContext context;
    private long kernelBundle;
    /** Grants as configured: symbolic name or glob -> permissions. */
    private volatile Map<String, Set<String>> grants = Map.of();
    /** Denials already reported, so a bundle that keeps looking is audited once per permission. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
    private volatile AuditSink auditSink = AuditSink.NONE;
    private ServiceRegistration<?> hooks;
    /** Not on the caller's thread (the console's, ConfigAdmin's): stopping a bundle can wait on it. */
    private volatile Executor restarts = r -> {
        Thread t = new Thread(r, "agentos-perm-restart");
        t.setDaemon(true);
        t.start();
    };

    /** Where denials and changes of grants go (the kernel's audit log). */
    public interface AuditSink {
        AuditSink NONE = new AuditSink() {
            @Override
            public void denied(Bundle bundle, String permission) {
            }

            @Override
            public void changed(String event, String entry, Set<String> permissions, String by) {
            }
        };

        /** {@code bundle} was refused a service that needs {@code permission}. */
        void denied(Bundle bundle, String permission);

        /**
         * {@code event} ({@value #GRANT} or {@value #REVOKE}) of {@code permissions} for the grant
         * entry {@code entry}, by the console user {@code by} (null: an edit of the
         * configuration outside the console).
         */
        void changed(String event, String entry, Set<String> permissions, String by);

        String GRANT = "perm.grant";
        String REVOKE = "perm.revoke";
    }

    /** A bundle's view: what it asks for, what it was granted, what it therefore holds. */
    public record BundlePermissions(long id, String symbolicName, String state, Set<String> requested,
                                    Set<String> granted, Set<String> held) {}

    @Activate
    void activate(BundleContext context, Map<String, Object> config) {
        this.context = context;
        this.kernelBundle = context.getBundle().getBundleId();
        this.grants = parse(config);
        hooks = context.registerService(new String[] {FindHook.class.getName(), EventListenerHook.class.getName()},
                this, null);
    }

    @Deactivate
    void deactivate() {
        try {
            hooks.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework unregisters a stopping bundle's services itself
        }
    }

    /** New grants from ConfigAdmin (an edited etc/ file, the web console; perm:grant's own update): applied at once. */
    @Modified
    void modified(Map<String, Object> config) {
        apply(parse(config), null);
    }

    /**
     * Makes {@code next} the grants in force: audits what changed, re-checks tool providers, and
     * restarts the bundles that lost a permission while using a service that needs it.
     *
     * @param by the console user who made the change, null when it came through ConfigAdmin
     */
    private synchronized void apply(Map<String, Set<String>> next, String by) {
        GrantChange change = new GrantChange(grants, next);
        if (change.isEmpty()) return; // perm:grant applied it already; this is ConfigAdmin catching up
        grants = next;
        reported.clear();
        LOG.info("permission grants changed{}: {}", by == null ? "" : " by " + by, next);
        change.granted().forEach((entry, perms) -> auditSink.changed(AuditSink.GRANT, entry, perms, by));
        change.revoked().forEach((entry, perms) -> auditSink.changed(AuditSink.REVOKE, entry, perms, by));
        for (Runnable r : changeListeners) r.run();
        restartBundlesThatLostServices(change);
    }

    /** Someone to tell when grants change (the kernel re-checks its tool providers). */
    public void onChange(Runnable listener) {
        changeListeners.add(listener);
    }

    public void removeOnChange(Runnable listener) {
        changeListeners.remove(listener);
    }

    /** Where denials and changes go (the kernel's audit log); null: nowhere. */
    public void setAuditSink(AuditSink sink) {
        this.auditSink = sink == null ? AuditSink.NONE : sink;
    }

    static Map<String, Set<String>> parse(Map<String, Object> config) {
        Map<String, Set<String>> out = new TreeMap<>();
        if (config == null) return out;
        for (Map.Entry<String, Object> e : config.entrySet()) {
            String key = e.getKey();
            // framework, DS and fileinstall properties of the configuration, not grants
            if (key.startsWith("service.") || key.startsWith("component.") || key.startsWith("felix.")
                    || key.startsWith("osgi.") || key.startsWith(".")) {
                continue;
            }
            Set<String> perms = new TreeSet<>();
            Object v = e.getValue();
            Collection<?> values = v instanceof String[] a ? List.of(a) : v instanceof Collection<?> c ? c : List.of(String.valueOf(v));
            for (Object o : values) {
                for (String part : String.valueOf(o).split(",")) {
                    if (!part.isBlank()) perms.add(part.strip());
                }
            }
            out.put(key, perms);
        }
        return out;
    }

    // ------------------------------------------------------------------ queries

    /** Permissions {@code bundle} asks for in its manifest. */
    static Set<String> requested(Bundle bundle) {
        Set<String> out = new TreeSet<>();
        BundleRevision rev = bundle.adapt(BundleRevision.class);
        if (rev == null) return out;
        for (Requirement r : rev.getRequirements(KernelPermission.NAMESPACE)) {
            Object v = r.getAttributes().get(KernelPermission.ATTRIBUTE);
            if (v instanceof Collection<?> c) c.forEach(o -> out.add(String.valueOf(o)));
            else if (v instanceof String[] a) out.addAll(List.of(a));
            else if (v != null) out.add(String.valueOf(v));
        }
        return out;
    }

    /** Permissions granted to a bundle of this symbolic name (exact entries and matching globs). */
    Set<String> granted(String symbolicName) {
        return grantedIn(grants, symbolicName);
    }

    static Set<String> grantedIn(Map<String, Set<String>> grants, String symbolicName) {
        Set<String> out = new TreeSet<>();
        if (symbolicName == null) return out;
        for (Map.Entry<String, Set<String>> e : grants.entrySet()) {
            if (matches(e.getKey(), symbolicName)) out.addAll(e.getValue());
        }
        return out;
    }

    private static boolean matches(String pattern, String name) {
        if (!pattern.contains("*")) return pattern.equals(name);
        return Pattern.matches(Pattern.quote(pattern).replace("*", "\\E.*\\Q"), name);
    }

    /** Whether {@code bundle} holds {@code permission}: asked for and granted (the system and kernel bundles hold all). */
    public boolean holds(Bundle bundle, String permission) {
        if (bundle == null) return false;
        long id = bundle.getBundleId();
        if (id == 0 || id == kernelBundle) return true;
        return granted(bundle.getSymbolicName()).contains(permission) && requested(bundle).contains(permission);
    }

    /** Every installed bundle that asks for or was granted a permission, plus grants for bundles not installed. */
    public List<BundlePermissions> list() {
        List<BundlePermissions> out = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        for (Bundle b : context.getBundles()) {
            Set<String> req = requested(b);
            Set<String> gr = granted(b.getSymbolicName());
            if (req.isEmpty() && gr.isEmpty()) continue;
            Set<String> held = new TreeSet<>(req);
            held.retainAll(gr);
            out.add(new BundlePermissions(b.getBundleId(), b.getSymbolicName(), state(b), req, gr, held));
            seen.add(b.getSymbolicName());
        }
        for (Map.Entry<String, Set<String>> e : grants.entrySet()) {
            if (!e.getKey().contains("*") && !seen.contains(e.getKey())) {
                out.add(new BundlePermissions(-1, e.getKey(), "not installed", Set.of(), e.getValue(), Set.of()));
            }
        }
        return out;
    }

    /** The installed bundles with this symbolic name. */
    List<Bundle> bundles(String symbolicName) {
        List<Bundle> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) out.add(b);
        }
        return out;
    }

    private static String state(Bundle b) {
        return switch (b.getState()) {
            case Bundle.ACTIVE -> "active";
            case Bundle.RESOLVED -> "resolved";
            case Bundle.INSTALLED -> "installed";
            case Bundle.STARTING -> "starting";
            case Bundle.STOPPING -> "stopping";
            default -> "uninstalled";
        };
    }

    // ------------------------------------------------------------------ grant / revoke

    /**
     * Grants {@code permissions} to the bundle {@code symbolicName}, stored in ConfigAdmin (Karaf
     * writes it to {@code etc/org.agentos.permissions.cfg}). The bundle must be installed and ask
     * for each permission: a grant nobody asked for is refused, so that grants stay readable.
     *
     * @param by the console user granting, for the audit log
     */
    public Set<String> grant(String symbolicName, Collection<String> permissions, String by) throws SyscallException {
        checkNames(permissions);
        List<Bundle> installed = bundles(symbolicName);
        if (installed.isEmpty()) {
            throw new SyscallException(Errno.ENOENT, "no bundle '" + symbolicName + "' is installed (bundle:list -s shows "
                    + "symbolic names); to grant ahead of installing, edit etc/" + KernelPermission.GRANTS_PID + ".cfg");
        }
        Set<String> asked = new TreeSet<>();
        for (Bundle b : installed) asked.addAll(requested(b));
        for (String p : permissions) {
            if (!asked.contains(p)) {
                throw new SyscallException(Errno.EINVAL, "bundle " + symbolicName + " does not ask for permission " + p
                        + (asked.isEmpty() ? " (it asks for none)" : " (it asks for: " + String.join(", ", asked) + ")"));
            }
        }
        return update(symbolicName, permissions, true, by);
    }

    /** Revokes {@code permissions} from the grant entry of {@code symbolicName}; {@code by} is the console user. */
    public Set<String> revoke(String symbolicName, Collection<String> permissions, String by) throws SyscallException {
        checkNames(permissions);
        Set<String> has = grants.getOrDefault(symbolicName, Set.of());
        for (String p : permissions) {
            if (!has.contains(p)) {
                throw new SyscallException(Errno.ENOENT, "bundle " + symbolicName + " has no grant of " + p
                        + (has.isEmpty() ? "" : " (granted: " + String.join(", ", has) + ")")
                        + (granted(symbolicName).contains(p) ? "; it comes from a glob entry in etc/" + KernelPermission.GRANTS_PID + ".cfg" : ""));
            }
        }
        return update(symbolicName, permissions, false, by);
    }

    private static void checkNames(Collection<String> permissions) throws SyscallException {
        if (permissions.isEmpty()) throw new SyscallException(Errno.EINVAL, "name at least one permission");
        for (String p : permissions) {
            if (!NAME.matcher(p).matches()) {
                throw new SyscallException(Errno.EINVAL, "bad permission name '" + p + "' (e.g. " + KernelPermission.TOOL_PROVIDE + ")");
            }
        }
    }

    // Synchronized, as apply() is: ConfigAdmin may deliver the update to modified() on its own thread
    // before this method applies it; holding the lock until then makes that delivery a no-op instead
    // of the change (which would then be audited as an edit of the file, not as the console user's).
    private synchronized Set<String> update(String symbolicName, Collection<String> permissions, boolean add, String by)
            throws SyscallException {
        try {
            Configuration c = configAdmin.getConfiguration(KernelPermission.GRANTS_PID, "?");
            Dictionary<String, Object> props = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
            Map<String, Object> current = new LinkedHashMap<>();
            for (Enumeration<String> keys = props.keys(); keys.hasMoreElements(); ) {
                String k = keys.nextElement();
                current.put(k, props.get(k));
            }
            Set<String> perms = new TreeSet<>(parse(current).getOrDefault(symbolicName, Set.of()));
            if (add) perms.addAll(permissions);
            else perms.removeAll(permissions);
            if (perms.isEmpty()) props.remove(symbolicName);
            else props.put(symbolicName, String.join(", ", perms));
            c.update(props);
            // In force now, not when ConfigAdmin delivers the update to @Modified a moment later.
            current.remove(symbolicName);
            if (!perms.isEmpty()) current.put(symbolicName, String.join(", ", perms));
            apply(parse(current), by);
            return perms;
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot store the grants: " + e.getMessage(), e);
        }
    }

    /**
     * A bundle that lost a permission while it used a service that needs it keeps the object it
     * has: OSGi cannot take a service back from a bundle. Restarting the bundle makes it look
     * again, through the hooks, and not find it. Only bundles this change took a permission from
     * are candidates, and a bundle's use of its own services never counts: it always sees them
     * (the VFS uses its own FileSystem, which needs fs.admin, a permission it does not hold).
     */
    private void restartBundlesThatLostServices(GrantChange change) {
        for (Bundle b : context.getBundles()) {
            if (b.getState() != Bundle.ACTIVE || b.getBundleId() == 0 || b.getBundleId() == kernelBundle) continue;
            Set<String> lost = change.lostBy(b.getSymbolicName(), requested(b));
            if (lost.isEmpty()) continue;
            String needed = lostServiceInUse(b, lost);
            if (needed != null) restart(b, needed);
        }
    }

    /** The permission, among {@code lost}, that a service of another bundle which {@code b} uses needs; or null. */
    static String lostServiceInUse(Bundle b, Set<String> lost) {
        ServiceReference<?>[] inUse = b.getServicesInUse();
        if (inUse == null) return null;
        for (ServiceReference<?> ref : inUse) {
            Object needed = ref.getProperty(KernelPermission.SERVICE_PROPERTY);
            if (needed != null && lost.contains(needed.toString()) && !b.equals(ref.getBundle())) return needed.toString();
        }
        return null;
    }

    private void restart(Bundle b, String permission) {
        restarts.execute(() -> {
            try {
                LOG.info("restarting bundle {} ({}): it lost permission {} while using a service that needs it",
                        b.getSymbolicName(), b.getBundleId(), permission);
                b.stop(Bundle.STOP_TRANSIENT);
                b.start(Bundle.START_TRANSIENT);
            } catch (BundleException | IllegalStateException e) {
                LOG.error("could not restart bundle {} after a revoke of {}: {}", b.getSymbolicName(), permission, e.getMessage());
            }
        });
    }

    /** Where restarts run; tests run them in place. */
    void setRestarts(Executor restarts) {
        this.restarts = restarts;
    }

    // ------------------------------------------------------------------ service hooks

    @Override
    public void find(BundleContext ctx, String name, String filter, boolean allServices,
                     Collection<ServiceReference<?>> references) {
        Bundle asker = ctx.getBundle();
        if (asker == null || asker.getBundleId() == 0 || asker.getBundleId() == kernelBundle) return;
        for (Iterator<ServiceReference<?>> it = references.iterator(); it.hasNext(); ) {
            ServiceReference<?> ref = it.next();
            Object needed = ref.getProperty(KernelPermission.SERVICE_PROPERTY);
            if (needed != null && ref.getBundle() != asker && !holds(asker, needed.toString())) {
                it.remove();
                deny(asker, needed.toString());
            }
        }
    }

    @Override
    public void event(ServiceEvent event, Map<BundleContext, Collection<ListenerInfo>> listeners) {
        Object needed = event.getServiceReference().getProperty(KernelPermission.SERVICE_PROPERTY);
        if (needed == null) return;
        Bundle owner = event.getServiceReference().getBundle();
        for (Iterator<BundleContext> it = listeners.keySet().iterator(); it.hasNext(); ) {
            Bundle b;
            try {
                b = it.next().getBundle();
            } catch (IllegalStateException stale) {
                continue; // a listener of a stopped bundle: the framework drops it anyway
            }
            if (b != null && b != owner && !holds(b, needed.toString())) it.remove();
        }
    }

    private void deny(Bundle b, String permission) {
        if (reported.add(b.getBundleId() + "/" + permission)) auditSink.denied(b, permission);
    }
}
