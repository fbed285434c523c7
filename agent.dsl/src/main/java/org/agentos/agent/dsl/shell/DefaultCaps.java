package org.agentos.agent.dsl.shell;

import java.util.List;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** The capabilities a spawn without -c gets: the kernel's defaultCapabilities (etc/org.agentos.kernel.cfg). */
final class DefaultCaps {
    private DefaultCaps() {}

    static List<String> orDefault(List<String> caps, ConfigurationAdmin config) {
        if (caps != null && !caps.isEmpty()) return caps;
        try {
            Configuration[] cs = config == null ? null : config.listConfigurations("(service.pid=org.agentos.kernel)");
            Object v = cs == null || cs.length == 0 || cs[0].getProperties() == null ? null
                    : cs[0].getProperties().get("defaultCapabilities");
            if (v instanceof String s) return List.of(s.split("\\s*,\\s*"));
            if (v instanceof String[] a) return List.of(a);
        } catch (Exception e) {
            // no configuration to read: the kernel's built-in default
        }
        return List.of("proc:*");
    }
}
