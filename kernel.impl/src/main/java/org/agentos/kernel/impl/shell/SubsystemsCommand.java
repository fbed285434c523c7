package org.agentos.kernel.impl.shell;

import org.agentos.kernel.api.subsystem.SubsystemBinding;
import org.agentos.kernel.api.subsystem.Subsystems;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "kernel", name = "subsystems", description = "Shows which implementation of each kernel SPI is bound, and the candidates.")
public class SubsystemsCommand implements Action {
    @Reference
    Subsystems subsystems;

    @Option(name = "-v", aliases = "--verbose", description = "list every candidate (every syscall, every program)")
    boolean verbose;

    @Override
    public Object execute() {
        TextTable t = new TextTable("SUBSYSTEM", "BOUND", "BUNDLE", "CANDIDATES", "NOTE");
        for (SubsystemBinding b : subsystems.bindings()) {
            String candidates = verbose || b.candidates().size() <= 3 ? String.join(", ", b.candidates())
                    : b.candidates().size() + " (-v lists them)";
            t.row(b.subsystem(), b.bound() == null ? "(none)" : b.bound(), b.bundle(), candidates, b.note());
        }
        t.print(System.out);
        return null;
    }
}
