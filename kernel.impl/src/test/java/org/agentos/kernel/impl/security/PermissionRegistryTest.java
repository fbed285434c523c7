package org.agentos.kernel.impl.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.agentos.kernel.impl.FakeFramework;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

/**
 * How grants are read from ConfigAdmin and matched to bundles, and what a grant or revoke does to
 * the bundles (over {@link FakeFramework}); the hooks are tested in the distribution (itests).
 */
class PermissionRegistryTest {
    private static final String VFS = "org.agentos.vfs.versioned";
    private static final String EXAMPLE = "org.agentos.tools.example";
    private static final String APPS = "org.agentos.apps.examples";

    private final FakeFramework framework = new FakeFramework();
    private final List<String> audited = new ArrayList<>();
    private Bundle vfs;
    private Bundle apps;

    /**
     * The distribution's shape: the VFS uses the kernel's ProcessManager and its own FileSystem
     * (which needs fs.admin, a permission it neither asks for nor holds); the example programs use
     * the ProcessManager; the example tools use nothing privileged.
     */
    private PermissionRegistry registry(Set<String> vfsAsks) {
        vfs = framework.bundle(33, VFS, vfsAsks);
        framework.bundle(40, EXAMPLE, Set.of("tool.provide"));
        apps = framework.bundle(41, APPS, Set.of("kernel.admin", "tool.provide"));
        framework.uses(vfs, framework.kernel, "kernel.admin");
        framework.uses(vfs, vfs, "fs.admin");
        framework.uses(apps, framework.kernel, "kernel.admin");
        framework.stored.put(VFS, String.join(", ", new TreeSet<>(vfsAsks)));
        framework.stored.put(EXAMPLE, "tool.provide");
        framework.stored.put(APPS, "kernel.admin, tool.provide");
        PermissionRegistry registry = new PermissionRegistry();
        registry.configAdmin = framework.configAdmin();
        registry.setRestarts(Runnable::run);
        registry.setAuditSink(new PermissionRegistry.AuditSink() {
            @Override
            public void denied(Bundle bundle, String permission) {
                audited.add("perm.deny " + bundle.getSymbolicName() + " " + permission);
            }

            @Override
            public void changed(String event, String entry, Set<String> permissions, String by) {
                audited.add(event + " " + entry + " " + permissions + " by " + by);
            }
        });
        Map<String, Object> config = new LinkedHashMap<>();
        for (var keys = framework.stored.keys(); keys.hasMoreElements(); ) {
            String k = keys.nextElement();
            config.put(k, framework.stored.get(k));
        }
        registry.activate(framework.context(), config);
        return registry;
    }

    @Test
    void aRevokeAndAGrantForTheExampleToolsRestartNoBundle() throws Exception {
        PermissionRegistry registry = registry(Set.of("kernel.admin", "tool.provide", "mem.admin"));
        registry.revoke(EXAMPLE, List.of("tool.provide"), "karaf");
        registry.grant(EXAMPLE, List.of("tool.provide"), "karaf");
        assertEquals(List.of(), framework.stopped);
    }

    @Test
    void aBundleThatLosesAPermissionWhileUsingAServiceThatNeedsItIsRestartedAndNoOther() throws Exception {
        PermissionRegistry registry = registry(Set.of("kernel.admin", "tool.provide", "mem.admin"));
        registry.revoke(APPS, List.of("kernel.admin"), "karaf");
        assertEquals(List.of(APPS), framework.stopped);
    }

    @Test
    void aBundleThatLosesAPermissionOnlyItsOwnServiceNeedsIsNotRestarted() throws Exception {
        PermissionRegistry registry = registry(Set.of("kernel.admin", "tool.provide", "mem.admin", "fs.admin"));
        registry.revoke(VFS, List.of("fs.admin"), "karaf");
        assertEquals(List.of(), framework.stopped);
        assertTrue(registry.holds(vfs, "kernel.admin"));
    }

    @Test
    void aBundleThatLosesAPermissionItDoesNotUseIsNotRestarted() throws Exception {
        PermissionRegistry registry = registry(Set.of("kernel.admin", "tool.provide", "mem.admin"));
        registry.revoke(VFS, List.of("mem.admin"), "karaf");
        assertEquals(List.of(), framework.stopped);
    }

    @Test
    void grantsAndRevokesAreAuditedWithTheConsoleUserAndAnEditOfTheFileWithout() throws Exception {
        PermissionRegistry registry = registry(Set.of("kernel.admin", "tool.provide", "mem.admin"));
        registry.revoke(EXAMPLE, List.of("tool.provide"), "alice");
        registry.grant(EXAMPLE, List.of("tool.provide"), "alice");
        // ConfigAdmin delivering perm:grant's own update changes nothing, and is not audited twice
        registry.modified(Map.of(VFS, "kernel.admin, tool.provide, mem.admin", EXAMPLE, "tool.provide",
                APPS, "kernel.admin, tool.provide"));
        registry.modified(Map.of(VFS, "kernel.admin, tool.provide, mem.admin", EXAMPLE, "tool.provide", APPS, "tool.provide"));
        assertEquals(List.of("perm.revoke " + EXAMPLE + " [tool.provide] by alice",
                "perm.grant " + EXAMPLE + " [tool.provide] by alice",
                "perm.revoke " + APPS + " [kernel.admin] by null"), audited);
    }

    @Test
    void grantsAreReadFromCommaListsAndArraysAndFrameworkPropertiesAreIgnored() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("service.pid", "org.agentos.permissions");
        config.put("felix.fileinstall.filename", "file:/etc/org.agentos.permissions.cfg");
        config.put("osgi.ds.satisfying.condition.target", "(osgi.condition.id=true)");
        config.put("org.agentos.vfs.versioned", "tool.provide, kernel.admin");
        config.put("org.example.tools", new String[] {"tool.provide", " syscall.gateway "});
        config.put("org.example.list", List.of("fs.admin"));
        Map<String, Set<String>> grants = PermissionRegistry.parse(config);
        assertEquals(Set.of("org.agentos.vfs.versioned", "org.example.tools", "org.example.list"), grants.keySet());
        assertEquals(Set.of("tool.provide", "kernel.admin"), grants.get("org.agentos.vfs.versioned"));
        assertEquals(Set.of("tool.provide", "syscall.gateway"), grants.get("org.example.tools"));
        assertEquals(Set.of("fs.admin"), grants.get("org.example.list"));
    }

    @Test
    void aGlobGrantCoversTheBundlesItMatchesAndNoOthers() {
        Map<String, Set<String>> grants = PermissionRegistry.parse(Map.of(
                "PAXEXAM-PROBE-*", "kernel.admin", "org.example.a", "tool.provide"));
        assertEquals(Set.of("kernel.admin"), PermissionRegistry.grantedIn(grants, "PAXEXAM-PROBE-1234-abcd"));
        assertEquals(Set.of("tool.provide"), PermissionRegistry.grantedIn(grants, "org.example.a"));
        assertEquals(Set.of(), PermissionRegistry.grantedIn(grants, "org.example.ab"));
        assertEquals(Set.of(), PermissionRegistry.grantedIn(grants, "XPAXEXAM-PROBE-1"));
        assertEquals(Set.of(), PermissionRegistry.grantedIn(Map.of("a.b", Set.of("x.y")), "a+b"));
    }
}
