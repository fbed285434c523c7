package org.agentos.kernel.api.subsystem;

import java.util.List;

/**
 * Which implementation of a subsystem SPI the kernel uses now.
 *
 * @param subsystem  short name: "scheduler", "hal", "tools", "programs"
 * @param spi        the SPI's interface name
 * @param bound      the implementation in use, or null when none is bound
 * @param bundle     symbolic name of the bundle providing it, or null
 * @param candidates every registered implementation, the bound one included
 * @param note       state worth knowing ("no scheduler bound: 12 processes READY")
 */
public record SubsystemBinding(String subsystem, String spi, String bound, String bundle, List<String> candidates,
                               String note) {
    public SubsystemBinding {
        candidates = List.copyOf(candidates);
    }
}
