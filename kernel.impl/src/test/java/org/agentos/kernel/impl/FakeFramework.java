package org.agentos.kernel.impl;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.agentos.kernel.api.security.KernelPermission;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.resource.Requirement;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Just enough of an OSGi framework, made of dynamic proxies, for {@link PermissionRegistry}'s
 * own logic: bundles that ask for permissions and use services, a bundle context, ConfigAdmin.
 * A method a fake does not answer returns null, 0 or false.
 */
public final class FakeFramework {
    final List<Bundle> bundles = new ArrayList<>();
    /** Symbolic names of the bundles stopped, in order. */
    public final List<String> stopped = new ArrayList<>();
    public final Bundle kernel;
    public final Dictionary<String, Object> stored = new Hashtable<>();

    public FakeFramework() {
        kernel = bundle(10, "org.agentos.kernel.impl", Set.of());
    }

    /** Services each bundle uses, by bundle id. */
    private final Map<Long, List<ServiceReference<?>>> inUse = new HashMap<>();

    /** An active bundle asking for {@code requested}; it uses the services {@link #uses} adds. */
    public Bundle bundle(long id, String symbolicName, Set<String> requested) {
        List<ServiceReference<?>> used = inUse.computeIfAbsent(id, k -> new ArrayList<>());
        Requirement asks = fake(Requirement.class,
                Map.of("getAttributes", x -> Map.of(KernelPermission.ATTRIBUTE, List.copyOf(requested))));
        BundleRevision revision = fake(BundleRevision.class,
                Map.of("getRequirements", a -> requested.isEmpty() ? List.of() : List.of(asks)));
        Map<String, Function<Object[], Object>> answers = new HashMap<>();
        answers.put("getBundleId", a -> id);
        answers.put("getSymbolicName", a -> symbolicName);
        answers.put("getState", a -> Bundle.ACTIVE);
        answers.put("adapt", a -> a[0] == BundleRevision.class ? revision : null);
        answers.put("getServicesInUse", a -> used.isEmpty() ? null : used.toArray(new ServiceReference<?>[0]));
        answers.put("stop", a -> stopped.add(symbolicName));
        Bundle b = fake(Bundle.class, answers);
        bundles.add(b);
        return b;
    }

    /** Makes {@code user} use a service {@code owner} registered, marked as needing {@code permission}. */
    public void uses(Bundle user, Bundle owner, String permission) {
        ServiceReference<?> ref = fake(ServiceReference.class, Map.of(
                "getProperty", a -> KernelPermission.SERVICE_PROPERTY.equals(a[0]) ? permission : null,
                "getBundle", a -> owner));
        inUse.get(user.getBundleId()).add(ref);
    }

    public BundleContext context() {
        return fake(BundleContext.class, Map.of(
                "getBundle", a -> kernel,
                "getBundles", a -> bundles.toArray(new Bundle[0]),
                "registerService", a -> fake(ServiceRegistration.class, Map.of())));
    }

    public ConfigurationAdmin configAdmin() {
        Configuration c = fake(Configuration.class, Map.of(
                "getProperties", a -> copy(stored),
                "update", a -> {
                    @SuppressWarnings("unchecked")
                    Dictionary<String, Object> next = (Dictionary<String, Object>) a[0];
                    for (var keys = stored.keys(); keys.hasMoreElements(); ) stored.remove(keys.nextElement());
                    for (var keys = next.keys(); keys.hasMoreElements(); ) {
                        String k = keys.nextElement();
                        stored.put(k, next.get(k));
                    }
                    return null;
                }));
        return fake(ConfigurationAdmin.class, Map.of("getConfiguration", a -> c));
    }

    private static Dictionary<String, Object> copy(Dictionary<String, Object> d) {
        Hashtable<String, Object> out = new Hashtable<>();
        for (var keys = d.keys(); keys.hasMoreElements(); ) {
            String k = keys.nextElement();
            out.put(k, d.get(k));
        }
        return out;
    }

    private record Handler(Map<String, Function<Object[], Object>> answers) implements java.lang.reflect.InvocationHandler {
        @Override
        public Object invoke(Object proxy, java.lang.reflect.Method m, Object[] args) {
            switch (m.getName()) {
                case "equals": return proxy == args[0];
                case "hashCode": return System.identityHashCode(proxy);
                case "toString": return "fake " + m.getDeclaringClass().getSimpleName();
                default: break;
            }
            Function<Object[], Object> answer = answers.get(m.getName());
            if (answer != null) {
                Object value = answer.apply(args);
                return m.getReturnType() == void.class ? null : value;
            }
            Class<?> r = m.getReturnType();
            if (r == boolean.class) return false;
            if (r == int.class) return 0;
            if (r == long.class) return 0L;
            return null;
        }
    }

    static <T> T fake(Class<T> type, Map<String, Function<Object[], Object>> answers) {
        return type.cast(Proxy.newProxyInstance(FakeFramework.class.getClassLoader(), new Class<?>[] {type}, new Handler(answers)));
    }
}
