package org.agentos.kernel.impl.shell;

import java.util.List;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.KernelDebugger;
import org.agentos.kernel.impl.debug.Debugger;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;

@Service
@Command(scope = "agent", name = "break", description = "Sets a breakpoint: the process pauses at that syscall boundary.",
        detailedDescription = "agent:break <pid> fs.write | 'fs.*' | EPERM | step 12 -- before a matching call is made, "
                + "when a call answers that errno (before the process sees it), or at the call of that step. agent:resume "
                + "goes on, agent:step goes on for one step, agent:state shows where it is. -l lists breakpoints, -d ID "
                + "deletes one. While a process has breakpoints, all its calls end its step (none is made inside one). "
                + "Kept in memory: a restart forgets them.")
public class BreakCommand implements Action {
    @Reference
    ProcessManager processes;

    @Reference
    KernelDebugger debugger;

    @Option(name = "-l", aliases = "--list", description = "list the breakpoints (of the pid, if given)")
    boolean list;

    @Option(name = "-d", aliases = "--delete", description = "delete the breakpoint with this id")
    int delete;

    @Argument(index = 0, name = "pid", description = "process id")
    @Completion(PidCompleter.class)
    Long pid;

    @Argument(index = 1, name = "where", multiValued = true, description = "a syscall or pattern (fs.write, fs.*), an errno "
            + "(EPERM), or step N")
    @Completion(value = StringsCompleter.class, values = {"EPERM", "ENOENT", "EINVAL", "ETIMEDOUT", "EQUOTA", "EIO", "step"})
    List<String> where;

    @Override
    public Object execute() throws Exception {
        ConsoleUser user = ConsoleUser.current();
        if (delete != 0) {
            Debugger.Breakpoint b = debugger.breakpoints(null).stream().filter(x -> x.id() == delete).findFirst()
                    .orElseThrow(() -> ConsoleErrors.of("ENOENT", "no breakpoint " + delete + " (agent:break -l lists them)"));
            user.requireOwnerOf(processes, b.pid());
            debugger.deleteBreak(delete);
            System.out.println("deleted breakpoint " + delete);
            return null;
        }
        if (list) {
            if (pid != null) user.requireOwnerOf(processes, pid);
            TextTable t = new TextTable("ID", "PID", "AT");
            for (Debugger.Breakpoint b : debugger.breakpoints(pid)) {
                if (user.isAdmin() || processes.info(b.pid()).map(i -> user.sees(i.owner())).orElse(false)) {
                    t.row(b.id(), b.pid(), b.spec());
                }
            }
            if (t.size() == 0) System.out.println("no breakpoints");
            else t.print(System.out);
            return null;
        }
        if (pid == null || where == null || where.isEmpty()) {
            throw ConsoleErrors.of("EINVAL", "give a pid and where to stop (agent:break 42 fs.write), or -l, or -d ID");
        }
        user.requireOwnerOf(processes, pid);
        try {
            Debugger.Breakpoint b = debugger.addBreak(pid, String.join(" ", where));
            System.out.println("breakpoint " + b.id() + ": pid " + pid + " at " + b.spec());
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
