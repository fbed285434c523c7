package org.agentos.agent.dsl.impl;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import org.osgi.framework.Bundle;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;

/**
 * Where javac finds the classes a workflow compiles against, besides the JDK: in Karaf, the
 * packages this bundle imports (and its own), read from the bundles that export them; outside
 * OSGi (tests, benchmarks), the JVM's class path. Null from {@link #of} means the latter.
 */
final class ClassPath {
    private final Map<String, BundleWiring> providers;

    private ClassPath(Map<String, BundleWiring> providers) {
        this.providers = providers;
    }

    /** The class path of {@code bundle}'s wiring, or null outside OSGi. */
    static ClassPath of(Bundle bundle) {
        BundleWiring wiring = bundle == null ? null : bundle.adapt(BundleWiring.class);
        if (wiring == null) return null;
        Map<String, BundleWiring> providers = new HashMap<>();
        for (BundleWire w : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
            if (w.getProvider().getBundle().getBundleId() == 0) continue; // the JDK's: javac has them
            String pkg = (String) w.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE);
            providers.put(pkg, w.getProviderWiring());
        }
        for (var c : wiring.getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
            providers.putIfAbsent((String) c.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE), wiring);
        }
        // this bundle's private packages are not workflow API: only what it exports and imports
        return new ClassPath(providers);
    }

    /** The class files of {@code pkg} (none when no bundle provides it to this one). */
    List<JavaFileObject> list(String pkg) {
        BundleWiring provider = providers.get(pkg);
        if (provider == null) return List.of();
        String dir = pkg.replace('.', '/');
        Collection<String> names = provider.listResources("/" + dir, "*.class", BundleWiring.LISTRESOURCES_LOCAL);
        List<JavaFileObject> out = new ArrayList<>();
        for (String name : names) {
            URL url = provider.getBundle().getResource(name);
            String binary = name.substring(0, name.length() - ".class".length()).replace('/', '.');
            if (url != null && binary.startsWith(pkg + ".") && binary.indexOf('.', pkg.length() + 1) < 0) {
                out.add(new BundleClass(binary, url));
            }
        }
        return out;
    }

    /** A class file in a bundle. */
    static final class BundleClass extends SimpleJavaFileObject implements MemoryFileManager.Named {
        private final String binaryName;
        private final URL url;

        BundleClass(String binaryName, URL url) {
            super(uri(url), Kind.CLASS);
            this.binaryName = binaryName;
            this.url = url;
        }

        private static URI uri(URL url) {
            try {
                return url.toURI();
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(e);
            }
        }

        @Override
        public String binaryName() {
            return binaryName;
        }

        @Override
        public InputStream openInputStream() throws IOException {
            return url.openStream();
        }
    }
}
