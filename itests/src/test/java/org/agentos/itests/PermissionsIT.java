package org.agentos.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.agentos.kernel.api.audit.AuditLog;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * Permissions between bundles and console ACLs in the real distribution: a bundle without a grant
 * does not see the kernel's privileged services; a bundle's tools enter and leave the syscall
 * table with its tool.provide grant; only administrators grant, revoke and swap, and users kill
 * only their own processes.
 */
@RunWith(RetryingPaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PermissionsIT extends KarafTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String EXAMPLE = "org.agentos.tools.example";

    @Inject
    protected ProcessManager processes;

    private Bundle exampleTools() {
        if (bundle(EXAMPLE) == null) executeCommand("feature:install agentos-tools-example", Duration.ofSeconds(60));
        assertBundleActive(EXAMPLE);
        return bundle(EXAMPLE);
    }

    private static boolean sees(BundleContext ctx, Class<?> service) throws Exception {
        return ctx.getServiceReferences(service.getName(), null) != null;
    }

    @Test
    public void aBundleWithoutTheGrantCannotSeeThePrivilegedServicesAndTheDenialIsAudited() throws Exception {
        BundleContext ungranted = exampleTools().getBundleContext();
        assertNotNull(ungranted);
        assertTrue("the probe holds kernel.admin", sees(bundleContext, ProcessManager.class));
        assertTrue(sees(bundleContext, SyscallGateway.class));
        assertNull(ungranted.getServiceReferences(ProcessManager.class.getName(), null));
        assertNull(ungranted.getServiceReferences(AuditLog.class.getName(), null));
        assertNull(ungranted.getServiceReferences(SyscallGateway.class.getName(), null));
        assertNull(ungranted.getServiceReferences(FileSystem.class.getName(), null));
        // memory managers trust the caller a MemCaller names: nobody without mem.admin sees them, not even the probe
        assertNull(ungranted.getServiceReferences(org.agentos.kernel.api.memory.MemoryManager.class.getName(), null));
        assertNull(bundleContext.getServiceReferences(org.agentos.kernel.api.memory.MemoryManager.class.getName(), null));
        String audit = executeCommand("kernel:audit -n 50 --name perm.deny");
        assertTrue(audit, audit.contains("bundle " + EXAMPLE + " lacks permission kernel.admin"));
        assertTrue(audit, audit.contains("lacks permission mem.admin"));
        String perms = executeCommand("perm:list");
        assertTrue(perms, Pattern.compile("(?m)\\s" + Pattern.quote(EXAMPLE) + "\\s+active\\s+tool\\.provide\\s+tool\\.provide\\s+tool\\.provide\\s+-$")
                .matcher(perms).find());
        assertTrue(perms, perms.contains("org.agentos.tools.syscalls"));
    }

    @Test
    public void aBundlesToolsLeaveTheTableWhenItsGrantIsRevokedAndReturnWhenGranted() {
        exampleTools();
        waitFor(() -> executeCommand("tool:list text.").contains("text.stats"), WAIT, "text.stats in the table");
        try {
            assertTrue(executeCommand("perm:revoke " + EXAMPLE + " tool.provide").contains("granted: nothing"));
            waitFor(() -> !executeCommand("tool:list text.").contains("text.stats"), WAIT, "text.stats to leave the table");
            String audit = executeCommand("kernel:audit -n 50 --name perm.deny");
            assertTrue(audit, audit.contains("tool text.stats refused"));
            assertTrue(executeCommand("kernel:subsystems").contains("refused"));
        } finally {
            executeCommand("perm:grant " + EXAMPLE + " tool.provide");
        }
        waitFor(() -> executeCommand("tool:list text.").contains("text.stats"), WAIT, "text.stats back in the table");
    }

    @Test
    public void aGrantAndARevokeTouchOnlyTheBundleTheyNameAndAreAudited() throws Exception {
        exampleTools();
        Bundle vfs = bundle("org.agentos.vfs.versioned");
        java.util.List<String> vfsEvents = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.osgi.framework.BundleListener listener = e -> {
            if (e.getBundle().equals(vfs)) vfsEvents.add(String.valueOf(e.getType()));
        };
        bundleContext.addBundleListener(listener);
        try {
            long scribe = spawn("agent:spawn -o alice -c 'fs:*:/home/alice/**' scribe "
                    + "'{\"path\":\"/home/alice/while-granting.txt\",\"entries\":30000}'");
            waitFor(() -> processes.info(scribe).map(i -> i.usage().syscalls() > 100).orElse(false), WAIT,
                    "the scribe to be writing");
            executeCommand("perm:revoke " + EXAMPLE + " tool.provide");
            waitFor(() -> !executeCommand("tool:list text.").contains("text.stats"), WAIT, "text.stats to leave the table");
            executeCommand("perm:grant " + EXAMPLE + " tool.provide");
            waitFor(() -> executeCommand("tool:list text.").contains("text.stats"), WAIT, "text.stats back in the table");
            // Still writing after both: its calls go on (a lost fs.append would have ended it with ENOSYS).
            long after = processes.info(scribe).orElseThrow().usage().syscalls();
            waitFor(() -> processes.info(scribe).map(i -> i.state().isTerminal() || i.usage().syscalls() > after + 50)
                    .orElse(true), WAIT, "the scribe to go on writing");
            org.agentos.kernel.api.process.ProcessInfo still = processes.info(scribe).orElseThrow();
            assertTrue("the scribe was still writing through the grant and the revoke: " + still.exit(),
                    !still.state().isTerminal());
            executeCommand("agent:kill " + scribe);
        } finally {
            bundleContext.removeBundleListener(listener);
        }
        assertEquals("bundle events of the VFS", java.util.List.of(), vfsEvents);
        assertEquals(Bundle.ACTIVE, vfs.getState());
        String revokes = executeCommand("kernel:audit -n 20 --name perm.revoke");
        assertTrue(revokes, Pattern.compile("perm\\.revoke ok -- tool\\.provide revoked from bundle " + Pattern.quote(EXAMPLE)
                + " by console user karaf").matcher(revokes).find());
        String grants = executeCommand("kernel:audit -n 20 --name perm.grant");
        assertTrue(grants, Pattern.compile("perm\\.grant ok -- tool\\.provide granted to bundle " + Pattern.quote(EXAMPLE)
                + " by console user karaf").matcher(grants).find());
        String log = java.nio.file.Files.readString(java.nio.file.Path.of(System.getProperty("karaf.data"), "log", "karaf.log"));
        assertTrue("karaf.log has no lock timeout", !log.contains("Could not obtain lock"));
    }

    @Test
    public void eachBundleGetsItsOwnGatewayWhichStopsAtARevoke() throws Exception {
        String tools = "org.agentos.tools.syscalls";
        assertBundleActive(tools);
        BundleContext ctx = bundle(tools).getBundleContext();
        org.osgi.framework.ServiceReference<SyscallGateway> ref = ctx.getServiceReference(SyscallGateway.class);
        assertNotNull("tools.syscalls holds syscall.gateway", ref);
        SyscallGateway gateway = ctx.getService(ref);
        assertEquals(tools, gateway.bundle());
        long pid = spawn("agent:spawn -o gw counter '{\"sleepMs\":100}'");
        com.fasterxml.jackson.databind.JsonNode args = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"document\":[1],\"pointer\":\"/0\"}");
        assertTrue(gateway.call(pid, "json.query", args).isOk());
        assertTrue(executeCommand("kernel:audit -n 5 -p " + pid + " --name json.query").contains("via " + tools));
        try {
            executeCommand("perm:revoke " + tools + " syscall.gateway");
            // the gateway it already holds refuses at once: the permission is checked on every call
            org.agentos.kernel.api.syscall.SyscallResult refused = gateway.call(pid, "json.query", args);
            assertEquals(org.agentos.kernel.api.syscall.Errno.EPERM, refused.errno());
        } finally {
            executeCommand("perm:grant " + tools + " syscall.gateway");
            executeCommand("agent:kill " + pid);
        }
        assertBundleActive(tools);
    }

    @Test
    public void aPermissionTheBundleDidNotAskForIsNotGranted() {
        exampleTools();
        try {
            executeCommand("perm:grant " + EXAMPLE + " kernel.admin");
            throw new IllegalStateException("granted a permission nobody asked for");
        } catch (AssertionError expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("EINVAL")
                    && expected.getMessage().contains("does not ask for permission kernel.admin"));
        }
    }

    @Test
    public void onlyAdministratorsGrantRevokeAndSwap() {
        exampleTools();
        javax.security.auth.Subject viewer = user("alice", "viewer");
        String subsystems = executeCommand("kernel:subsystems");
        assertTrue(subsystems, bound(subsystems, "scheduler") != null);
        for (String command : new String[] {"perm:revoke " + EXAMPLE + " tool.provide", "kernel:swap scheduler auto",
                "tool:call tool.list"}) {
            // Karaf's command guard hides it: the command ACLs in etc/ give it to admin only
            refused(viewer, command, "Command not found");
        }
        assertTrue("the grant stays", executeCommand("perm:list " + EXAMPLE).contains("tool.provide"));
        assertTrue("the tools stay", executeCommand("tool:list text.").contains("text.stats"));
        assertEquals("no swap", bound(subsystems, "scheduler"), bound(executeCommand("kernel:subsystems"), "scheduler"));
        assertTrue("viewers may list tools", executeCommandAs(viewer, "tool:list").contains("json.query"));
    }

    /** The BOUND column of {@code subsystem}'s row in kernel:subsystems. */
    private static String bound(String table, String subsystem) {
        return table.lines().map(String::strip).filter(l -> l.startsWith(subsystem + " ")).map(l -> l.split("\\s+")[1])
                .findFirst().orElse(null);
    }

    @Test
    public void aUserKillsOnlyTheirOwnProcesses() {
        long bobs = spawn("agent:spawn -o bob counter '{\"sleepMs\":100}'");
        long alices = spawn("agent:spawn -o alice counter '{\"sleepMs\":100}'");
        javax.security.auth.Subject alice = user("alice", "manager", "viewer");
        refused(alice, "agent:kill " + bobs, "EPERM");
        assertTrue(executeCommandAs(alice, "agent:kill " + alices).contains("killed"));
        assertEquals(ProcessState.KILLED, processes.info(alices).orElseThrow().state());
        assertTrue(!processes.info(bobs).orElseThrow().state().isTerminal());
        executeCommand("agent:kill " + bobs); // the administrator may
    }

}
