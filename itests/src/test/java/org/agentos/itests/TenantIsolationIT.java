package org.agentos.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import javax.security.auth.Subject;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessState;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Console users and other tenants' data, in the real distribution: a user without the admin role
 * sees and acts on their own processes, files, queues, mailboxes, memory and audit records only;
 * every write to another tenant's data and every command that no ACL names needs the admin role.
 * Each refusal is checked with its effect (nothing read, nothing changed), and the same command
 * is shown to work for the data's owner or an administrator.
 */
@RunWith(RetryingPaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TenantIsolationIT extends KarafTestSupport {
    private static final Subject VIEWER = user("val", "viewer", "ssh");
    private static final Subject MANAGER = user("alice", "manager", "viewer", "ssh");
    private static final String SECRET = "s3cr3t-of-bob";

    @Inject
    protected ProcessManager processes;

    @Inject
    protected MessageQueues queues;

    /** As the support class's, and the refusal gives no secret away. */
    @Override
    protected String refused(Subject who, String command, String why) {
        String message = super.refused(who, command, why);
        assertFalse("the refusal gave the secret away: " + message, message.contains(SECRET));
        return message;
    }

    /** Writes {@code text} to {@code path} as a principal of {@code owner} (an administrator's tool:call). */
    private void write(String owner, String path, String text) {
        String out = executeCommand("tool:call -o " + owner + " -c 'fs:*:/home/" + owner + "/**' fs.write '{\"path\":\""
                + path + "\",\"text\":\"" + text + "\"}'");
        assertTrue(out, out.contains("\"version\""));
    }

    @Test
    public void aCommandThatNoAclNamesIsTheAdministratorsOnly() throws Exception {
        for (Subject who : new Subject[] {VIEWER, MANAGER}) {
            refused(who, "instance:list", "instance:list");
            refused(who, "dev:dump-create", "dev:dump-create");
            refused(who, "log:set DEBUG", "log:set");
        }
        assertTrue(executeCommand("instance:list").contains("root"));
        // "> file" writes any file the JVM may: not for users without the admin role
        Path target = Files.createTempDirectory("redirect").resolve("written-by-val.txt");
        refused(VIEWER, "shell:echo hacked > " + target, "Insufficient credentials");
        refused(MANAGER, "shell:echo hacked > " + target, "Insufficient credentials");
        assertFalse("a viewer wrote " + target, Files.exists(target));
        executeCommand("shell:echo ok > " + target);
        assertEquals("ok", Files.readString(target).strip());
        // calling methods on Java objects from the console
        refused(VIEWER, "shell:echo ($.context bundles)", "invoke");
        // what viewers are for still works, pipes included
        String listed = executeCommandAs(VIEWER, "kernel:commands agent | grep agent:");
        assertTrue(listed, listed.contains("Lists processes")); // grep colours what it matched
    }

    @Test
    public void usersReadOnlyTheirOwnFiles() throws Exception {
        write("bob", "/home/bob/diary.txt", SECRET);
        write("val", "/home/val/notes.txt", "notes of val");
        long bob = spawn("agent:spawn -o bob counter '{\"sleepMs\":200}'");
        String history = executeCommand("vfs:log /home/bob/diary.txt");
        for (Subject who : new Subject[] {VIEWER, MANAGER}) {
            refused(who, "vfs:cat /home/bob/diary.txt", "EPERM: missing capability fs:read:/home/bob/diary.txt");
            refused(who, "vfs:cat /home/val/../bob/diary.txt", "EINVAL");
            refused(who, "vfs:ls /home", "EPERM");
            refused(who, "vfs:log /home/bob/diary.txt", "EPERM");
            refused(who, "vfs:cat /proc/" + bob + "/status", "EPERM");
            refused(who, "vfs:cat /mem/user/" + bob + "/x", "EPERM");
            refused(who, "vfs:restore /home/bob/diary.txt 1", "vfs:restore");
        }
        assertEquals("nothing restored", history, executeCommand("vfs:log /home/bob/diary.txt"));
        assertTrue(executeCommand("vfs:cat /home/bob/diary.txt").contains(SECRET));
        assertEquals("notes of val", executeCommandAs(VIEWER, "vfs:cat /home/val/notes.txt").strip());
        String du = executeCommandAs(VIEWER, "vfs:du");
        assertTrue(du, du.contains("val"));
        assertFalse(du, du.contains("bob"));
        assertTrue(executeCommand("vfs:du").contains("bob"));
        executeCommand("agent:kill " + bob);
    }

    @Test
    public void usersSeeAndTouchOnlyTheirOwnProcessesAndRecords() throws Exception {
        long bob = spawn("agent:spawn -o bob counter '{\"sleepMs\":200}'");
        long alice = spawn("agent:spawn -o alice counter '{\"sleepMs\":200}'");
        String ps = executeCommandAs(MANAGER, "agent:ps");
        assertTrue(ps, ps.contains(Long.toString(alice)));
        assertFalse(ps, ps.matches("(?s).*\\b" + bob + "\\b.*"));
        assertTrue(executeCommand("agent:ps -o bob").contains(Long.toString(bob)));
        for (Subject who : new Subject[] {VIEWER, MANAGER}) {
            refused(who, "agent:ps -o bob", "EPERM: processes of bob are not yours");
            refused(who, "agent:info " + bob, "EPERM: process " + bob + " belongs to bob");
            refused(who, "kernel:audit -p " + bob, "EPERM: process " + bob + " belongs to bob");
            refused(who, "kernel:audit", "EPERM: only administrators read every process's records");
            refused(who, "agent:wait -t 1 " + bob, "EPERM");
        }
        refused(MANAGER, "agent:pause " + bob, "EPERM: process " + bob + " belongs to bob");
        refused(MANAGER, "agent:kill " + bob, "EPERM");
        refused(VIEWER, "agent:kill " + bob, "agent:kill");
        ProcessState state = processes.info(bob).orElseThrow().state();
        assertFalse(state.toString(), state.isTerminal() || state == ProcessState.PAUSED);
        assertTrue(executeCommandAs(MANAGER, "agent:info " + alice).contains("owner        alice"));
        assertTrue(executeCommandAs(MANAGER, "kernel:audit -p " + alice).contains("pid=" + alice));
        assertTrue(executeCommand("kernel:audit -p " + bob).contains("pid=" + bob));
        executeCommand("agent:kill " + bob + " " + alice);
    }

    @Test
    public void anAgentSeesAnotherOwnersProcessesInProcOnlyWithProcInfoAny() {
        long bob = spawn("agent:spawn -o bob counter '{\"sleepMs\":200}'");
        long alice = spawn("agent:spawn -o alice counter '{\"sleepMs\":200}'");
        refused(operator(), "tool:call -o alice -c 'fs:read:/proc/**' fs.read '{\"path\":\"/proc/" + bob + "/trace\"}'",
                "EPERM: /proc/" + bob + " is a process of bob: seeing another owner's processes needs capability proc:info:any");
        String own = executeCommand("tool:call -o alice -c 'fs:read:/proc/**' fs.read '{\"path\":\"/proc/" + alice + "/status\"}'");
        assertTrue(own, own.matches("(?s).*owner\\W+alice.*"));
        String listing = executeCommand("tool:call -o alice -c 'fs:read:/proc/**' fs.list '{\"path\":\"/proc\"}'");
        assertTrue(listing, listing.contains("/proc/" + alice));
        assertFalse(listing, listing.contains("/proc/" + bob + "\""));
        String any = executeCommand("tool:call -o alice -c 'fs:read:/proc/**' -c proc:info:any fs.read '{\"path\":\"/proc/" + bob
                + "/status\"}'");
        assertTrue(any, any.matches("(?s).*owner\\W+bob.*"));
        executeCommand("agent:kill " + bob + " " + alice);
    }

    @Test
    public void queuesAndMailboxesOfAnotherOwnerAreTheirs() throws Exception {
        long bob = spawn("agent:spawn -o bob counter '{\"sleepMs\":200}'");
        executeCommand("ipc:create -o bob bobq");
        executeCommand("ipc:send bobq '{\"secret\":\"" + SECRET + "\"}'");
        for (Subject who : new Subject[] {VIEWER, MANAGER}) {
            refused(who, "ipc:peek bobq", "EPERM: queue bobq belongs to bob");
            assertFalse(executeCommandAs(who, "ipc:queues").contains("bobq"));
        }
        refused(MANAGER, "ipc:send bobq '{\"forged\":true}'", "EPERM: queue bobq belongs to bob");
        refused(MANAGER, "ipc:send @" + bob + " '{\"forged\":true}'", "EPERM: process " + bob + " belongs to bob");
        refused(MANAGER, "ipc:dlq --redrive bobq", "EPERM");
        refused(VIEWER, "ipc:send bobq x", "ipc:send");
        assertEquals("only the administrator's message is in bobq", 1, queues.stats("bobq").orElseThrow().ready());
        assertTrue(executeCommand("ipc:peek bobq").contains(SECRET));
        executeCommand("ipc:create -o alice alice.jobs");
        assertTrue(executeCommandAs(MANAGER, "ipc:send alice.jobs '{\"n\":1}'").contains("sent message"));
        assertTrue(executeCommandAs(MANAGER, "ipc:queues").contains("alice.jobs"));
        executeCommand("agent:kill " + bob);
    }

    @Test
    public void aNameAnotherTenantTookReachesNothingOfTheirs() throws Exception {
        // mallory's agent creates the queue the team's agents were told to use
        long squatter = spawn("agent:spawn -o mallory -c ipc:create:team repeat "
                + "'{\"syscall\":\"ipc.create\",\"args\":{\"queue\":\"team\"},\"count\":1}'");
        assertEquals(0, processes.awaitExit(squatter).toCompletableFuture().get(60, TimeUnit.SECONDS).code());
        assertEquals("mallory", queues.stats("team").orElseThrow().owner());
        long producer = spawn("agent:spawn -o team -c ipc:send:team producer '{\"queue\":\"team\",\"count\":1}'");
        String reason = processes.awaitExit(producer).toCompletableFuture().get(60, TimeUnit.SECONDS).reason();
        assertTrue(reason, reason.startsWith("EPERM") && reason.contains("belongs to owner mallory"));
        assertEquals("nothing of the team's reached mallory's queue", 0, queues.stats("team").orElseThrow().sent());
        executeCommand("ipc:delete team");
    }

    @Test
    public void memoryOfAnotherOwnerIsTheirs() {
        executeCommand("mem:share -o bob bobseg");
        executeCommand("mem:share -o alice aliceseg");
        refused(MANAGER, "mem:ls shared/bobseg", "EPERM: space shared/bobseg is not yours");
        refused(MANAGER, "mem:spaces -o bob", "EPERM");
        refused(MANAGER, "mem:get shared/bobseg k", "mem:get");
        refused(VIEWER, "mem:ls shared/aliceseg", "mem:ls");
        String spaces = executeCommandAs(MANAGER, "mem:spaces");
        assertTrue(spaces, spaces.contains("shared/aliceseg"));
        assertFalse(spaces, spaces.contains("shared/bobseg"));
        executeCommandAs(MANAGER, "mem:ls shared/aliceseg");
        assertTrue(executeCommand("mem:spaces").contains("shared/bobseg"));
    }

    @Test
    public void toolsPermissionsAndSwapsAreTheAdministratorsOnly() {
        String before = executeCommand("kernel:subsystems");
        String grants = executeCommand("perm:list org.agentos.tools.syscalls");
        for (Subject who : new Subject[] {VIEWER, MANAGER}) {
            refused(who, "tool:call -o bob fs.write '{\"path\":\"/home/bob/t\",\"content\":\"x\"}'", "tool:call");
            refused(who, "perm:revoke org.agentos.tools.syscalls tool.provide", "perm:revoke");
            refused(who, "kernel:swap scheduler auto", "kernel:swap");
            assertTrue(executeCommandAs(who, "tool:list").contains("fs.read"));
            assertTrue(executeCommandAs(who, "perm:list org.agentos.tools.syscalls").contains("tool.provide"));
        }
        assertEquals(grants, executeCommand("perm:list org.agentos.tools.syscalls"));
        assertEquals(firstColumns(before), firstColumns(executeCommand("kernel:subsystems")));
        refused(operator(), "vfs:cat /home/bob/t", "ENOENT"); // tool:call wrote nothing
    }

    /** kernel:subsystems without its live counters: which implementation each subsystem has bound. */
    private static String firstColumns(String table) {
        StringBuilder b = new StringBuilder();
        for (String line : table.split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 2) b.append(cols[0]).append(' ').append(cols[1]).append('\n');
        }
        return b.toString();
    }
}
