package org.agentos.kernel.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How grants are read from ConfigAdmin and matched to bundles; the hooks are tested in the distribution (itests). */
class PermissionRegistryTest {

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
