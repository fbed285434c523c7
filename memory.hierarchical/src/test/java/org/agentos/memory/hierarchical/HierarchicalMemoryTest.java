package org.agentos.memory.hierarchical;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The component's configuration mapping. */
class HierarchicalMemoryTest {

    /** A Config with its defaults, except {@code overrides}. */
    private static HierarchicalMemory.Config config(Map<String, Object> overrides) {
        return (HierarchicalMemory.Config) Proxy.newProxyInstance(HierarchicalMemory.Config.class.getClassLoader(),
                new Class<?>[] {HierarchicalMemory.Config.class},
                (proxy, method, args) -> overrides.containsKey(method.getName()) ? overrides.get(method.getName())
                        : method.getDefaultValue());
    }

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        MemorySettings s = HierarchicalMemory.settings(config(Map.of()), "/var/karaf/data");
        assertEquals(Path.of("/var/karaf/data", "agentos", "memory"), s.dataDir());
        assertEquals(64L << 20, s.processQuotaBytes());
        assertEquals(1L << 30, s.ownerQuotaBytes());
        assertEquals(8000, s.defaultTokenBudget());
        assertEquals(true, s.userSpacesPersistent());
        assertEquals(false, s.keepUserSpacesOnExit());
    }

    @Test
    void withoutKarafDataMemoryIsMemoryOnly() {
        assertNull(HierarchicalMemory.settings(config(Map.of()), null).dataDir());
    }

    @Test
    void anExplicitDataDirWins() {
        assertEquals(Path.of("/srv/mem"), HierarchicalMemory.settings(config(Map.of("dataDir", "/srv/mem")), "/x").dataDir());
    }

    @Test
    void ownerQuotasAreParsed() {
        MemorySettings s = HierarchicalMemory.settings(config(Map.of("ownerQuotas", new String[] {"alice=1048576", " bob = 5"})), null);
        assertEquals(1048576, s.ownerQuota("alice"));
        assertEquals(5, s.ownerQuota("bob"));
        assertEquals(1L << 30, s.ownerQuota("carol"));
    }

    @Test
    void aBadOwnerQuotaIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> HierarchicalMemory.settings(config(Map.of("ownerQuotas", new String[] {"alice"})), null));
    }
}
