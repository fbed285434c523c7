package org.agentos.kernel.impl.shell;

import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProgramInfo;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "agent", name = "programs", description = "Lists the programs that can be spawned and their bundles.")
public class ProgramsCommand implements Action {
    @Reference
    ProcessManager processes;

    @Override
    public Object execute() {
        TextTable t = new TextTable("PROGRAM", "BUNDLE", "DESCRIPTION");
        for (ProgramInfo p : processes.programs()) t.row(p.name(), p.bundle(), p.description());
        t.print(System.out);
        return null;
    }
}
