package org.agentos.vfs.versioned;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.audit.AuditQuery;
import org.agentos.kernel.api.fs.FileInfo;
import org.agentos.kernel.api.fs.FsCaller;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * The read-only {@code /proc} tree, made from the process table on every call (nothing is
 * cached): {@code /proc/<pid>/} for each process, holding {@code status}, {@code caps} and
 * {@code usage} (from its {@link ProcessInfo}) and {@code trace} (its last 100 audit records), each
 * as pretty JSON text.
 *
 * <p>The filesystem has checked {@code fs:read} on the path; another owner's processes need
 * {@link #PROC_INFO_ANY} besides. With no kernel (a null manager) there is {@code /proc} and
 * nothing in it: listing it, or anything below it, is ENOENT.
 */
final class ProcTree {
    static final String READ_ONLY = "is read-only (/proc is made by the kernel)";
    /** What a caller needs to see another owner's processes in /proc (their calls carry arguments and results). */
    static final String PROC_INFO_ANY = "proc:info:any";
    private static final List<String> FILES = List.of("caps", "status", "trace", "usage");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ProcTree() {}

    static FileInfo stat(ProcessManager pm, AuditLog log, FsCaller c, String p) throws SyscallException {
        if (isDirectory(pm, c, p)) return FileInfo.directory(p);
        return FileInfo.file(p, 0, file(pm, log, c, p).length(), null, false, System.currentTimeMillis(), 0, "root", null, null, 0);
    }

    static InputStream read(ProcessManager pm, AuditLog log, FsCaller c, String p) throws SyscallException {
        if (isDirectory(pm, c, p)) throw new SyscallException(Errno.ENOENT, p + " is a directory");
        return new ByteArrayInputStream(file(pm, log, c, p).getBytes(StandardCharsets.UTF_8));
    }

    /** The names in directory {@code p}, a directory's ending in '/': the processes {@code c} may see, or a process's files. */
    static List<String> names(ProcessManager pm, FsCaller c, String p) throws SyscallException {
        if (pm == null) throw noKernel();
        if (p.equals("/proc")) {
            List<String> out = new ArrayList<>();
            // another owner's processes are listed only for a caller holding proc:info:any
            String only = c.permits(PROC_INFO_ANY) ? null : c.owner();
            for (ProcessInfo i : pm.list(new ProcessQuery(only, null, false, 10_000)).processes()) out.add(i.pid() + "/");
            return out;
        }
        if (!isDirectory(pm, c, p)) throw new SyscallException(Errno.EINVAL, p + " is a file, not a directory");
        return FILES;
    }

    private static boolean isDirectory(ProcessManager pm, FsCaller c, String p) throws SyscallException {
        if (p.equals("/proc")) return true;
        String[] parts = p.substring("/proc/".length()).split("/");
        if (parts.length == 1) {
            info(pm, c, parts[0]);
            return true;
        }
        return false;
    }

    private static SyscallException noKernel() {
        return new SyscallException(Errno.ENOENT, "/proc: no kernel is running");
    }

    private static ProcessInfo info(ProcessManager pm, FsCaller c, String pidText) throws SyscallException {
        if (pm == null) throw noKernel();
        long pid;
        try {
            pid = Long.parseLong(pidText);
        } catch (NumberFormatException e) {
            throw new SyscallException(Errno.ENOENT, "no process '" + pidText + "' in /proc");
        }
        ProcessInfo i = pm.info(pid).orElseThrow(() -> new SyscallException(Errno.ENOENT, "no process " + pid));
        if (!i.owner().equals(c.owner()) && !c.permits(PROC_INFO_ANY)) {
            throw new SyscallException(Errno.EPERM, "/proc/" + pid + " is a process of " + i.owner() + ": seeing another "
                    + "owner's processes needs capability " + PROC_INFO_ANY);
        }
        return i;
    }

    /** The text of file {@code p}, {@code /proc/<pid>/<name>}. */
    private static String file(ProcessManager pm, AuditLog log, FsCaller c, String p) throws SyscallException {
        String[] parts = p.substring("/proc".length()).split("/");
        if (parts.length != 3 || !FILES.contains(parts[2])) {
            throw new SyscallException(Errno.ENOENT, "no file " + p + " (/proc/<pid>/ has " + String.join(", ", FILES) + ")");
        }
        ProcessInfo i = info(pm, c, parts[1]);
        Object content = switch (parts[2]) {
            case "status" -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("pid", i.pid());
                m.put("ppid", i.ppid());
                m.put("owner", i.owner());
                m.put("program", i.program());
                m.put("state", i.state().name());
                m.put("class", i.schedClass().label());
                m.put("nice", i.nice());
                m.put("waitingOn", i.waitingOn());
                m.put("exit", i.exit());
                yield m;
            }
            case "caps" -> i.capabilities();
            case "usage" -> i.usage();
            default -> log == null ? List.of() : log.read(new AuditQuery(i.pid(), null, null, 100));
        };
        try {
            return JSON.writeValueAsString(content) + "\n";
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "rendering " + p + ": " + e.getMessage());
        }
    }
}
