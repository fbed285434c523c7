package org.agentos.kernel.impl.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.agentos.kernel.api.cluster.Cluster;
import org.agentos.kernel.api.cluster.SpawnOrder;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.process.SpawnSpec;
import org.agentos.kernel.api.sched.SchedClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.SpawnDefaults;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;

@Service
@Command(scope = "agent", name = "spawn", description = "Starts processes running a program, as children of init.",
        detailedDescription = "Example: agent:spawn -o alice --count 10 counter '{\"limit\":100,\"sleepMs\":50}'\n"
                + "Users without the admin role spawn as themselves, within their role's capability ceiling "
                + "(etc/org.agentos.console.cfg), with nice >= 0 and not in the realtime class.")
public class SpawnCommand implements Action {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Reference
    ProcessManager processes;

    @Reference
    RoleCeilings ceilings;

    @Reference
    SpawnDefaults defaults;

    @Argument(index = 0, name = "program", required = true, description = "program name (see agent:programs)")
    @Completion(ProgramCompleter.class)
    String program;

    @Argument(index = 1, name = "args", description = "program arguments as a JSON object, e.g. {\"limit\":10}")
    String args;

    @Option(name = "-o", aliases = "--owner", description = "owner (tenant) of the process; default: root for "
            + "administrators, else your user name (only administrators may name another)")
    String owner;

    @Option(name = "-n", aliases = "--nice", description = "niceness, -20 (favoured) to 19")
    int nice;

    @Option(name = "--class", description = "scheduling class: realtime, normal (default) or idle")
    @Completion(value = StringsCompleter.class, values = {"realtime", "normal", "idle"})
    String schedClass;

    @Option(name = "-c", aliases = "--cap", multiValued = true,
            description = "capability pattern to grant (repeatable); default: the kernel's defaultCapabilities. Users "
                    + "without the admin role grant at most their role's ceiling (etc/org.agentos.console.cfg)")
    List<String> caps;

    @Option(name = "--cpu-ms", description = "CPU time quota in milliseconds")
    long cpuMs;

    @Option(name = "--wall-ms", description = "wall-clock quota in milliseconds")
    long wallMs;

    @Option(name = "--max-syscalls", description = "syscall count quota")
    long maxSyscalls;

    @Option(name = "--max-tokens", description = "LLM token quota (a model call past it ends the process with EQUOTA)")
    long maxTokens;

    @Option(name = "--max-bytes", description = "quota of bytes read and written through syscalls")
    long maxBytes;

    @Option(name = "--count", description = "how many identical processes to start")
    int count = 1;

    @Option(name = "--node", description = "the cluster node to run it on, or auto (the least loaded); that node's console "
            + "checks the options for you (agentos-cluster)")
    @Completion(value = NodeCompleter.class)
    String node;

    @Reference(optional = true)
    Cluster cluster;

    @Override
    public Object execute() throws Exception {
        JsonNode parsed;
        try {
            parsed = args == null ? JSON.createObjectNode() : JSON.readTree(args);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ConsoleErrors.of("EINVAL", "args must be a JSON object: " + e.getOriginalMessage());
        }
        if (parsed == null || !parsed.isObject()) throw ConsoleErrors.of("EINVAL", "args must be a JSON object, e.g. {\"limit\":10}");
        if (count < 1 || count > 1_000_000) throw ConsoleErrors.of("EINVAL", "--count must be between 1 and 1000000");
        if (cpuMs < 0 || wallMs < 0 || maxSyscalls < 0 || maxTokens < 0 || maxBytes < 0) {
            throw ConsoleErrors.of("EINVAL", "quotas must not be negative");
        }
        Quotas q = null;
        if (cpuMs > 0 || wallMs > 0 || maxSyscalls > 0 || maxTokens > 0 || maxBytes > 0) {
            q = new Quotas(cpuMs > 0 ? cpuMs * 1_000_000 : Quotas.UNLIMITED, wallMs > 0 ? wallMs : Quotas.UNLIMITED,
                    maxSyscalls > 0 ? maxSyscalls : Quotas.UNLIMITED, maxBytes > 0 ? maxBytes : Quotas.UNLIMITED,
                    maxTokens > 0 ? maxTokens : Quotas.UNLIMITED);
        }
        SchedClass sc;
        try {
            sc = schedClass == null ? null : SchedClass.parse(schedClass);
        } catch (IllegalArgumentException e) {
            throw ConsoleErrors.of("EINVAL", e.getMessage());
        }
        ConsoleUser user = ConsoleUser.current();
        if (node != null && elsewhere(user, parsed)) return null;
        String forOwner = user.ownerFor(owner, null); // null: the kernel's default owner, root
        if (!user.isAdmin()) holdToRole(user, sc);
        SpawnSpec spec = new SpawnSpec(program, parsed, forOwner, nice, caps, q, sc);
        long first = -1;
        long last = -1;
        try {
            for (int i = 0; i < count; i++) {
                last = processes.spawn(spec);
                if (first < 0) first = last;
            }
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        System.out.println(count == 1 ? "spawned pid " + first : "spawned " + count + " processes, pids " + first + ".." + last);
        return null;
    }

    /** Runs the spawn on another node when --node names one (or auto chooses one); false: this node's. */
    private boolean elsewhere(ConsoleUser user, JsonNode parsed) {
        if (cluster == null) throw ConsoleErrors.of("EINVAL", "--node needs this installation in a cluster (feature:install agentos-cluster)");
        try {
            String target = cluster.place(node);
            if (target.equals(cluster.localNode())) return false;
            System.out.println(cluster.spawn(target, new SpawnOrder(program, parsed.toString(), owner, nice, schedClass, caps, cpuMs, wallMs,
                    maxSyscalls, maxTokens, maxBytes, count), user.operator()) + " on node " + target);
            return true;
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
    }

    /**
     * A user without the admin role gives at most its ceiling (the kernel's defaults count when
     * it names no capability) and cannot put its processes ahead of other tenants'.
     */
    private void holdToRole(ConsoleUser user, SchedClass sc) {
        if (nice < 0) throw ConsoleErrors.of("EPERM", "only administrators may spawn with a negative nice (" + nice + ")");
        if (sc == SchedClass.REALTIME) throw ConsoleErrors.of("EPERM", "only administrators may spawn in the realtime class");
        ceilings.check(user, caps != null ? caps : defaults.defaultCapabilities());
    }
}
