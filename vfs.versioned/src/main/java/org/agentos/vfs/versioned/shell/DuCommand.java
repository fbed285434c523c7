package org.agentos.vfs.versioned.shell;

import java.util.Locale;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.fs.FsUsage;
import org.agentos.kernel.api.security.ConsoleOperator;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "vfs", name = "du", description = "Storage per owner: live files and bytes, and the bytes of their kept "
        + "older versions (HISTORY), against the owner's quota; the oldest history expires to make room for a write.")
public class DuCommand implements Action {
    @Reference
    FileSystem fs;

    private static String limit(long v) {
        return v == Long.MAX_VALUE ? "none" : Long.toString(v);
    }

    @Override
    public Object execute() {
        System.out.println(String.format(Locale.ROOT, "%-16s %14s %14s %14s %10s %10s", "OWNER", "BYTES", "HISTORY", "QUOTA",
                "FILES", "QUOTA"));
        ConsoleOperator op = ConsoleOperator.current();
        for (FsUsage u : fs.usage()) {
            if (!op.sees(u.owner())) continue; // another tenant's storage is theirs
            System.out.println(String.format(Locale.ROOT, "%-16s %14d %14d %14s %10d %10s", u.owner(), u.bytes(), u.historyBytes(),
                    limit(u.quotaBytes()), u.files(), limit(u.quotaFiles())));
        }
        return null;
    }
}
